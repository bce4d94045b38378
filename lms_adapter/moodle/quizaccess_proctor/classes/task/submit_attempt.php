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

namespace quizaccess_proctor\task;

use quizaccess_proctor\observer;
use quizaccess_proctor\tool_client;
use stdClass;

/**
 * Ends the proctoring session of a finished attempt, retried by Moodle's task runner while the tool cannot be
 * reached (a failed ad-hoc task runs again later, with a growing delay).
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */
class submit_attempt extends \core\task\adhoc_task {
    /**
     * The task of one attempt.
     *
     * @param int $ltiid the Proctor activity
     * @param stdClass $quiz id, name, cmid
     * @param stdClass $attempt the attempt record
     * @return submit_attempt
     */
    public static function for_attempt(int $ltiid, stdClass $quiz, stdClass $attempt): submit_attempt {
        $task = new submit_attempt();
        $task->set_userid((int) $attempt->userid);
        $task->set_custom_data([
            'ltiid' => $ltiid,
            'userid' => (int) $attempt->userid,
            'quiz' => ['id' => (int) $quiz->id, 'name' => $quiz->name, 'cmid' => (int) $quiz->cmid],
            'attempt' => ['id' => (int) $attempt->id, 'attempt' => (int) $attempt->attempt],
        ]);
        return $task;
    }

    /**
     * Make the submit call.
     *
     * @param tool_client $tool the Proctor activity
     * @throws \moodle_exception when the tool cannot be reached or fails (5xx, 429): worth another try
     */
    public function submit(tool_client $tool): void {
        $data = $this->get_custom_data();
        [$status, $answer] = $tool->call('submit', (int) $data->userid, (object) $data->quiz, (object) $data->attempt);
        if ($status >= 500 || $status === 429) {
            throw new \moodle_exception('toolunreachable', 'quizaccess_proctor', '', null, "HTTP $status");
        }
        if ($status !== 200) {
            // A refusal (no session bound to this attempt, a deleted activity) does not change by retrying.
            observer::log("submit of attempt {$data->attempt->id} refused ($status): " . json_encode($answer));
        }
    }

    public function execute() {
        $data = $this->get_custom_data();
        $tool = tool_client::for_lti((int) $data->ltiid);
        if (!$tool) {
            mtrace("quizaccess_proctor: the Proctor activity {$data->ltiid} no longer exists; attempt {$data->attempt->id} not submitted");
            return;
        }
        $this->submit($tool);
    }
}
