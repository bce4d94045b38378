<?php
// This file is part of the Proctor quiz access rule for Moodle.
//
// This program is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// This program is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with this program.  If not, see <https://www.gnu.org/licenses/>.

/**
 * The Proctor quiz access rule: no attempt without proctoring, and the Proctor panel on every attempt page.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */

use quizaccess_proctor\tool_client;

defined('MOODLE_INTERNAL') || die();

if (!class_exists('\mod_quiz\local\access_rule_base')) {
    // Moodle 4.1 names the base class quiz_access_rule_base (renamed in 4.2).
    require_once($CFG->dirroot . '/mod/quiz/accessrule/accessrulebase.php');
    class_alias('quiz_access_rule_base', 'mod_quiz\local\access_rule_base');
}

/**
 * A quiz linked to a Proctor activity (an LTI 1.3 External tool of its course).
 *
 * Parameters are left untyped where Moodle 4.1 and 4.2+ name the classes differently.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */
class quizaccess_proctor extends \mod_quiz\local\access_rule_base {
    /** @var tool_client|null the linked activity; null when it was deleted (students are then refused). */
    protected $tool;

    /**
     * @param mixed $quizobj the quiz settings object
     * @param int $timenow the time
     * @param tool_client|null $tool the linked Proctor activity, or null when it no longer exists
     */
    public function __construct($quizobj, $timenow, ?tool_client $tool = null) {
        parent::__construct($quizobj, $timenow);
        $this->tool = $tool;
    }

    /**
     * The rule of a quiz that has a link; a link to no activity of the quiz's course (a quiz restored without its
     * activity: 0) makes a rule without a tool, which refuses every attempt until the teacher links one.
     *
     * @param quiz_settings|quiz $quizobj the quiz
     * @param int $timenow the time now
     * @param bool $canignoretimelimits whether the user may ignore time limits
     * @return self|null
     */
    public static function make($quizobj, $timenow, $canignoretimelimits) {
        $quiz = $quizobj->get_quiz();
        if (!isset($quiz->proctor_ltiid)) {
            return null;
        }
        return new self($quizobj, $timenow, tool_client::for_lti((int) $quiz->proctor_ltiid, (int) $quiz->course));
    }

    public function description() {
        if (!$this->tool) {
            return get_string('activitymissing', 'quizaccess_proctor');
        }
        return get_string('proctoredby', 'quizaccess_proctor', format_string($this->tool->lti->name));
    }

    public function prevent_access() {
        return $this->tool ? false : get_string('activitymissing', 'quizaccess_proctor');
    }

    /**
     * Before a new attempt only: an attempt in progress is already bound to its proctoring session, and its pages
     * carry the panel. Teachers' previews are not proctored.
     *
     * @param int|null $attemptid the attempt in progress, if any
     * @return bool
     */
    public function is_preflight_check_required($attemptid) {
        return $this->tool && $attemptid === null && !$this->quizobj->is_preview_user();
    }

    public function add_preflight_check_form_fields($quizform, $mform, $attemptid) {
        global $PAGE;
        $mform->addElement('header', 'proctorheader', get_string('proctoring', 'quizaccess_proctor'));
        $mform->setExpanded('proctorheader');
        $intro = html_writer::tag('p', get_string('preflightintro', 'quizaccess_proctor',
            format_string($this->tool->lti->name)));
        $slot = html_writer::div('', 'quizaccess-proctor-preflight', ['data-proctor-panel' => 'preflight']);
        $mform->addElement('static', 'proctorpanel', '', $intro . $slot);
        $this->require_panel($PAGE, 'preflight');
    }

    /**
     * The tool decides whether the learner's monitoring is running; no answer means no attempt (fail closed).
     *
     * @param array $data the submitted form data
     * @param array $files the submitted files
     * @param array $errors the errors so far
     * @param int|null $attemptid the attempt in progress, if any
     * @return array the errors
     */
    public function validate_preflight_check($data, $files, $errors, $attemptid) {
        global $USER;
        try {
            [$status, $answer] = $this->tool->call('check', (int) $USER->id, $this->quiz_info());
        } catch (moodle_exception $e) {
            debugging('quizaccess_proctor check: ' . $e->debuginfo, DEBUG_NORMAL);
            $errors['proctorpanel'] = get_string('toolunreachable', 'quizaccess_proctor');
            return $errors;
        }
        if ($status === 200 && !empty($answer['ready'])) {
            return $errors;
        }
        if ($status === 200 && !empty($answer['reason'])) {
            $errors['proctorpanel'] = s($answer['reason']);
        } else if (!empty($answer['error']['message'])) {
            $errors['proctorpanel'] = get_string('toolrefused', 'quizaccess_proctor', s($answer['error']['message']));
        } else {
            $errors['proctorpanel'] = get_string('notready', 'quizaccess_proctor');
        }
        return $errors;
    }

    /**
     * The docked panel on the attempt and summary pages; the review link on a teacher's review page.
     *
     * @param moodle_page $page the page being set up
     */
    public function setup_attempt_page($page) {
        if (!$this->tool) {
            return;
        }
        $path = $page->url->get_path();
        $script = substr($path, strrpos($path, '/mod/quiz/') + strlen('/mod/quiz/'));
        if (in_array($script, ['attempt.php', 'summary.php'], true) && !$this->quizobj->is_preview_user()) {
            $this->require_panel($page, 'dock');
        } else if ($script === 'review.php' && has_capability('mod/quiz:viewreports', $this->quizobj->get_context())) {
            $link = html_writer::link($this->tool->view_url(), get_string('reviewlink', 'quizaccess_proctor',
                format_string($this->tool->lti->name)));
            \core\notification::info($this->review_summary(optional_param('attempt', 0, PARAM_INT)) . ' ' . $link);
        }
    }

    /**
     * For a teacher's review of a finished attempt: its integrity score and band, from the tool.
     *
     * The tool's submit call is idempotent: for an attempt that has ended it answers the session's result (and
     * ends the session, should the observer's call have been lost). Attempts still in progress are not asked.
     *
     * @param int $attemptid the reviewed attempt
     * @return string a sentence for the notification
     */
    protected function review_summary(int $attemptid): string {
        global $DB;
        $attempt = $attemptid ? $DB->get_record('quiz_attempts', ['id' => $attemptid, 'quiz' => $this->quiz->id]) : false;
        $open = ['inprogress', 'overdue'];
        if (!$attempt || $attempt->preview || in_array($attempt->state, $open, true)) {
            return get_string('reviewintro', 'quizaccess_proctor');
        }
        try {
            [$status, $answer] = $this->tool->call('submit', (int) $attempt->userid, $this->quiz_info(), $attempt);
        } catch (moodle_exception $e) {
            return get_string('reviewintro', 'quizaccess_proctor');
        }
        if ($status !== 200 || !isset($answer['score'])) {
            return get_string('reviewnoscore', 'quizaccess_proctor');
        }
        return get_string('reviewscore', 'quizaccess_proctor', [
            'score' => format_float((float) $answer['score'], 2, true, true),
            'band' => s($answer['risk_level'] ?? ''),
        ]);
    }

    public static function add_settings_form_fields($quizform, $mform) {
        $mform->addElement('header', 'proctorheader', get_string('proctoring', 'quizaccess_proctor'));
        $choices = [0 => get_string('none')];
        foreach (get_fast_modinfo($quizform->get_course())->get_instances_of('lti') as $cm) {
            $choices[$cm->instance] = $cm->get_formatted_name();
        }
        $mform->addElement('select', 'proctor_ltiid', get_string('proctoractivity', 'quizaccess_proctor'), $choices);
        $mform->addHelpButton('proctor_ltiid', 'proctoractivity', 'quizaccess_proctor');
        $mform->setDefault('proctor_ltiid', 0);
    }

    public static function validate_settings_form_fields(array $errors, array $data, $files, $quizform) {
        $ltiid = (int) ($data['proctor_ltiid'] ?? 0);
        if (!$ltiid) {
            return $errors;
        }
        $tool = tool_client::for_lti($ltiid);
        if (!$tool || (int) $tool->lti->course !== (int) $quizform->get_course()->id) {
            $errors['proctor_ltiid'] = get_string('notlti13', 'quizaccess_proctor');
        }
        return $errors;
    }

    public static function save_settings($quiz) {
        global $DB;
        $ltiid = (int) ($quiz->proctor_ltiid ?? 0);
        $existing = $DB->get_record('quizaccess_proctor', ['quizid' => $quiz->id]);
        if (!$ltiid) {
            $DB->delete_records('quizaccess_proctor', ['quizid' => $quiz->id]);
        } else if ($existing) {
            $DB->set_field('quizaccess_proctor', 'ltiid', $ltiid, ['id' => $existing->id]);
        } else {
            $DB->insert_record('quizaccess_proctor', (object) ['quizid' => $quiz->id, 'ltiid' => $ltiid]);
        }
    }

    public static function delete_settings($quiz) {
        global $DB;
        $DB->delete_records('quizaccess_proctor', ['quizid' => $quiz->id]);
    }

    public static function get_settings_sql($quizid) {
        return [
            'proctor.ltiid AS proctor_ltiid',
            'LEFT JOIN {quizaccess_proctor} proctor ON proctor.quizid = quiz.id',
            [],
        ];
    }

    /**
     * The quiz as the signed calls name it.
     *
     * @return stdClass id, name and cmid
     */
    protected function quiz_info(): stdClass {
        return (object) ['id' => $this->quiz->id, 'name' => $this->quiz->name, 'cmid' => $this->quizobj->get_cmid()];
    }

    /**
     * Put the Proctor panel on the page: the plugin's plain script, run with this activity's launch.
     *
     * @param moodle_page $page the page
     * @param string $mode preflight (in the form) or dock (a fixed panel in a corner)
     */
    protected function require_panel($page, string $mode) {
        $config = [
            'mode' => $mode,
            'src' => $this->tool->launch_url()->out(false),
            'allow' => 'camera ' . $this->tool->origin() . '; microphone ' . $this->tool->origin(),
            'title' => get_string('paneltitle', 'quizaccess_proctor', format_string($this->tool->lti->name)),
            'collapse' => get_string('collapse', 'quizaccess_proctor'),
            'expand' => get_string('expand', 'quizaccess_proctor'),
        ];
        $script = file_get_contents(__DIR__ . '/panel.js');
        $page->requires->js_init_code($script . "\nquizaccessProctorPanel(" . json_encode($config) . ");");
    }
}
