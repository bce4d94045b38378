<?php
// A second student of the harness's course, for the suite: php add_student.php MOODLE_DIR USERNAME PASSWORD.
// Prints the user id. Idempotent: an existing user is enrolled again (nothing changes) and keeps its password.
define('CLI_SCRIPT', true);
[, $moodledir, $username, $password] = $argv;
require($moodledir . '/config.php');
require_once($CFG->dirroot . '/user/lib.php');
require_once($CFG->libdir . '/enrollib.php');

$course = $DB->get_record('course', ['shortname' => getenv('MOODLE_COURSE') ?: 'PROCTOR101'], '*', MUST_EXIST);
$user = $DB->get_record('user', ['username' => $username, 'mnethostid' => $CFG->mnet_localhost_id]);
if (!$user) {
    $id = user_create_user((object) [
        'username' => $username, 'password' => $password, 'auth' => 'manual', 'confirmed' => 1,
        'mnethostid' => $CFG->mnet_localhost_id, 'firstname' => 'Second', 'lastname' => 'Student',
        'email' => $username . '@example.org',
    ], true, false);
    $user = $DB->get_record('user', ['id' => $id], '*', MUST_EXIST);
}
$instance = $DB->get_record('enrol', ['courseid' => $course->id, 'enrol' => 'manual'], '*', MUST_EXIST);
$roleid = $DB->get_field('role', 'id', ['shortname' => 'student'], MUST_EXIST);
enrol_get_plugin('manual')->enrol_user($instance, $user->id, $roleid);
echo $user->id, "\n";
