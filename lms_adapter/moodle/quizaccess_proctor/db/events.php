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
 * Attempt events that start and end the attempt's proctoring session in the tool.
 *
 * Not internal: they run after the quiz's database transaction commits, so a slow or unreachable tool never
 * holds the attempt's transaction open, and a rolled-back attempt never reaches the tool.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$observers = [
    [
        'eventname' => '\mod_quiz\event\attempt_started',
        'callback' => '\quizaccess_proctor\observer::attempt_started',
        'internal' => false,
    ],
    [
        'eventname' => '\mod_quiz\event\attempt_submitted',
        'callback' => '\quizaccess_proctor\observer::attempt_ended',
        'internal' => false,
    ],
    [
        'eventname' => '\mod_quiz\event\attempt_abandoned',
        'callback' => '\quizaccess_proctor\observer::attempt_ended',
        'internal' => false,
    ],
];
