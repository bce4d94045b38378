// This file is part of the Proctor quiz access rule for Moodle: GNU GPL v3 or later (see COPYING).
//
// The Proctor panel: the Proctor activity's ordinary LTI launch in an iframe that may use the camera and microphone.
// Plain script, run by rule.php through js_init_code with its settings:
//   mode "preflight": inside the pre-flight form, where the learner consents and passes the device check. On the
//     quiz's front page the form waits hidden until the "Attempt quiz" dialogue shows it, and moving an iframe
//     reloads it, so there (the page has the "Attempt quiz" button) the iframe is only created once the slot is
//     visible inside the dialogue; on the pre-flight page itself (startattempt.php) at once.
//   mode "dock": a fixed panel in the bottom right corner of attempt and summary pages; it can be collapsed to its
//     title bar (the iframe keeps running). The page's main region gets as much room at its end as the panel
//     takes, so every question and button can be scrolled clear of the panel.
/* exported quizaccessProctorPanel */
function quizaccessProctorPanel(config) {
    'use strict';

    function frame(height) {
        var iframe = document.createElement('iframe');
        iframe.src = config.src;
        iframe.title = config.title;
        iframe.setAttribute('allow', config.allow);
        iframe.setAttribute('data-proctor-frame', config.mode);
        iframe.style.cssText = 'display:block;width:100%;height:' + height + ';border:0;background:#fff';
        return iframe;
    }

    function preflight() {
        var slot = document.querySelector('[data-proctor-panel=preflight]');
        if (!slot) {
            return;
        }
        var frontPage = document.querySelector('.quizstartbuttondiv') !== null;
        var ready = function() {
            var inDialogue = slot.closest('.moodle-dialogue-base, .moodle-dialogue') !== null;
            return slot.offsetParent !== null && (!frontPage || inDialogue);
        };
        var place = function() {
            if (!ready()) {
                window.setTimeout(place, 250);
                return;
            }
            slot.style.cssText = 'width:100%;border:1px solid #dee2e6;border-radius:.25rem';
            slot.appendChild(frame('460px'));
        };
        place();
    }

    function dock() {
        if (document.querySelector('[data-proctor-panel=dock]')) {
            return;
        }
        var panel = document.createElement('section');
        panel.setAttribute('data-proctor-panel', 'dock');
        panel.setAttribute('aria-label', config.title);
        panel.style.cssText = 'position:fixed;right:1rem;bottom:4.5rem;z-index:1035;width:320px;max-width:calc(100vw - 2rem);' +
            'background:#fff;border:1px solid #adb5bd;border-radius:.4rem;box-shadow:0 .25rem 1rem rgba(0,0,0,.2);' +
            'overflow:hidden';
        var bar = document.createElement('div');
        bar.style.cssText = 'display:flex;align-items:center;justify-content:space-between;gap:.5rem;' +
            'padding:.2rem .5rem;background:#f1f3f5;font-size:.85rem';
        var title = document.createElement('span');
        title.textContent = config.title;
        title.style.cssText = 'overflow:hidden;text-overflow:ellipsis;white-space:nowrap';
        var toggle = document.createElement('button');
        toggle.type = 'button';
        toggle.className = 'btn btn-sm btn-link p-0';
        toggle.textContent = config.collapse;
        toggle.setAttribute('aria-expanded', 'true');
        var body = document.createElement('div');
        body.style.cssText = 'height:260px;overflow:hidden';
        body.appendChild(frame('260px'));
        var main = document.getElementById('region-main') || document.body;
        var makeRoom = function() {
            main.style.paddingBottom = (panel.offsetHeight + 96) + 'px';
        };
        toggle.addEventListener('click', function() {
            var open = toggle.getAttribute('aria-expanded') !== 'true';
            // Collapsing keeps the iframe alive and rendered (monitoring goes on), only out of the way.
            body.style.height = open ? '260px' : '0';
            toggle.textContent = open ? config.collapse : config.expand;
            toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
            makeRoom();
        });
        bar.appendChild(title);
        bar.appendChild(toggle);
        panel.appendChild(bar);
        panel.appendChild(body);
        document.body.appendChild(panel);
        makeRoom();
    }

    if (config.mode === 'preflight') {
        preflight();
    } else {
        dock();
    }
}
