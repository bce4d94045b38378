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

namespace quizaccess_proctor;

use core\event\base as event;
use stdClass;

/**
 * Binds each quiz attempt to the learner's proctoring session, and ends that session when the attempt ends.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */
class observer {
    /**
     * A new attempt: the tool binds the learner's ready session to it (a refusal is logged; the attempt goes on, and
     * the session the panel resumes on the attempt pages is still the learner's).
     *
     * @param event $event \mod_quiz\event\attempt_started
     */
    public static function attempt_started(event $event): void {
        [$tool, $quiz, $attempt] = self::load($event);
        if (!$tool) {
            return;
        }
        try {
            [$status, $answer] = $tool->call('start', (int) $attempt->userid, $quiz, $attempt);
            if ($status !== 200) {
                self::log("start of attempt {$attempt->id} refused ($status): " . json_encode($answer));
            }
        } catch (\moodle_exception $e) {
            self::log("start of attempt {$attempt->id} failed: {$e->debuginfo}");
        }
    }

    /**
     * A submitted or abandoned attempt: the tool ends and scores its session, and delivers the grade. When the tool
     * cannot be reached, an ad-hoc task retries (the tool's idle sweep is the last resort).
     *
     * @param event $event \mod_quiz\event\attempt_submitted or attempt_abandoned
     */
    public static function attempt_ended(event $event): void {
        [$tool, $quiz, $attempt] = self::load($event);
        if (!$tool) {
            return;
        }
        $task = task\submit_attempt::for_attempt((int) $tool->lti->id, $quiz, $attempt);
        try {
            $task->submit($tool);
        } catch (\moodle_exception $e) {
            self::log("submit of attempt {$attempt->id} failed, retried by a task: {$e->debuginfo}");
            \core\task\manager::queue_adhoc_task($task);
        }
    }

    /**
     * The Proctor activity, quiz and attempt of an attempt event; no activity for previews and unproctored quizzes.
     *
     * @param event $event an attempt event of mod_quiz
     * @return array [tool_client|null, stdClass quiz (id, name, cmid), stdClass attempt]
     */
    protected static function load(event $event): array {
        global $DB;
        $attempt = $event->get_record_snapshot('quiz_attempts', $event->objectid);
        $quiz = $event->get_record_snapshot('quiz', $attempt->quiz);
        $info = (object) ['id' => $quiz->id, 'name' => $quiz->name, 'cmid' => $event->contextinstanceid];
        $ltiid = $DB->get_field('quizaccess_proctor', 'ltiid', ['quizid' => $quiz->id]);
        $tool = ($ltiid && empty($attempt->preview)) ? tool_client::for_lti((int) $ltiid) : null;
        return [$tool, $info, $attempt];
    }

    /**
     * Log a failed call where the site's PHP errors go.
     *
     * @param string $message what failed
     */
    public static function log(string $message): void {
        // phpcs:ignore moodle.PHP.ForbiddenFunctions.FoundWithAlternative
        error_log('quizaccess_proctor: ' . $message);
    }
}
