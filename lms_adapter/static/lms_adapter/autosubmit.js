// Posts the deep-linking answer back to the platform as soon as the page loads.
document.getElementById("lti-autosubmit").submit();
