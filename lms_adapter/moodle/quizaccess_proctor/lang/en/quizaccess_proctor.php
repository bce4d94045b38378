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
 * Strings of the Proctor quiz access rule.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['activitymissing'] = 'This quiz is proctored, but its Proctor activity no longer exists or is not in this course: ask your teacher to choose one in the quiz settings.';
$string['collapse'] = 'Hide';
$string['expand'] = 'Show';
$string['notlti13'] = 'Choose an External tool activity of this course whose tool is registered with LTI 1.3 (the Proctor tool).';
$string['notready'] = 'Proctoring is not running yet: give your consent and pass the camera check in the panel above, then start the attempt.';
$string['paneltitle'] = 'Proctoring: {$a}';
$string['pluginname'] = 'Proctor quiz access rule';
$string['preflightintro'] = 'This quiz is proctored by {$a}. Give your consent and pass the camera and microphone check below; the attempt starts once monitoring is running. Keep this tab in front during the attempt: leaving it is recorded.';
$string['privacy:metadata'] = 'The Proctor quiz access rule stores only quiz settings (which Proctor activity watches a quiz). What it sends to the proctoring tool goes through the site\'s LTI registration of that tool, described by the External tool (mod_lti) privacy information.';
$string['proctoractivity'] = 'Proctor activity';
$string['proctoractivity_help'] = 'The External tool activity of this course (added from the Proctor tool, for example "Integrity: Quiz 1") that watches every attempt at this quiz. Students cannot start an attempt until its monitoring runs, each attempt page shows it in a small panel, and submitting the attempt ends the proctoring session: its integrity score lands in that activity\'s gradebook item.';
$string['proctoredby'] = 'This quiz is proctored by {$a}: your camera and microphone are monitored during the whole attempt.';
$string['proctoring'] = 'Proctoring';
$string['reviewintro'] = 'This quiz is proctored.';
$string['reviewlink'] = 'Open the proctoring review of {$a} (integrity score of each attempt)';
$string['reviewnoscore'] = 'This quiz is proctored; the proctoring tool has no session bound to this attempt.';
$string['reviewscore'] = 'Integrity score of this attempt: {$a->score}/100 ({$a->band}).';
$string['toolrefused'] = 'The proctoring tool refused: {$a}';
$string['toolunreachable'] = 'The proctoring service cannot be reached, so the attempt cannot start. Try again in a moment, or tell your teacher.';
