<?php
// Copy a quiz alone into another course (a backup of the quiz and a restore into that course, as "Import" does
// with one activity), for the suite: php copy_quiz.php MOODLE_DIR CMID COURSEID. Prints the copy's quiz id, then
// why the copy refuses attempts ("-" if it does not).
define('CLI_SCRIPT', true);
[, $moodledir, $cmid, $courseid] = $argv;
require($moodledir . '/config.php');
require_once($CFG->dirroot . '/backup/util/includes/backup_includes.php');
require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');
require_once($CFG->dirroot . '/mod/quiz/accessrule/proctor/rule.php');

$admin = get_admin();
\core\session\manager::set_user($admin);
$bc = new backup_controller(backup::TYPE_1ACTIVITY, (int) $cmid, backup::FORMAT_MOODLE, backup::INTERACTIVE_NO,
    backup::MODE_IMPORT, $admin->id);
$bc->execute_plan();
$backupid = $bc->get_backupid();
$bc->destroy();
$rc = new restore_controller($backupid, (int) $courseid, backup::INTERACTIVE_NO, backup::MODE_IMPORT, $admin->id,
    backup::TARGET_EXISTING_ADDING);
$rc->execute_precheck();
$rc->execute_plan();
$rc->destroy();

$quizid = $DB->get_field_sql('SELECT MAX(id) FROM {quiz} WHERE course = ?', [(int) $courseid]);
echo $quizid, "\n";
$quizobj = class_exists('\mod_quiz\quiz_settings') ? \mod_quiz\quiz_settings::create($quizid) : quiz::create($quizid);
$rule = quizaccess_proctor::make($quizobj, time(), false);
echo $rule ? ($rule->prevent_access() ?: '-') : 'not proctored', "\n";
