// LTI Dynamic Registration: tell the platform's page that registration is done, so it closes the tool's frame.
const origin = document.getElementById("lti-registered").dataset.platformOrigin;
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, origin);
