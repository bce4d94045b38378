<?php
// Duplicate a quiz in its course as the course page's "Duplicate" does (a backup and restore of the quiz alone),
// for the suite: php duplicate_quiz.php MOODLE_DIR CMID. Prints the copy's quiz id.
define('CLI_SCRIPT', true);
[, $moodledir, $cmid] = $argv;
require($moodledir . '/config.php');
require_once($CFG->dirroot . '/course/lib.php');

\core\session\manager::set_user(get_admin());
[$course, $cm] = get_course_and_cm_from_cmid((int) $cmid, 'quiz');
$copy = duplicate_module($course, $cm);
echo $copy->instance, "\n";
