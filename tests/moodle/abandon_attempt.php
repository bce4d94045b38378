<?php
// Abandon a quiz attempt as Moodle's cron does with an overdue attempt ("never submitted"), for the suite:
// php abandon_attempt.php MOODLE_DIR ATTEMPT_ID. Prints the attempt's state afterwards.
define('CLI_SCRIPT', true);
[, $moodledir, $attemptid] = $argv;
require($moodledir . '/config.php');
require_once($CFG->dirroot . '/mod/quiz/locallib.php');

$attemptobj = \mod_quiz\quiz_attempt::create((int) $attemptid);
$attemptobj->process_abandon(time(), false);
echo $DB->get_field('quiz_attempts', 'state', ['id' => $attemptid]), "\n";
