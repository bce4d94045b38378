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
 * Restore of the Proctor quiz access rule: the quiz is linked to the restored Proctor activity.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

require_once($CFG->dirroot . '/mod/quiz/backup/moodle2/restore_mod_quiz_access_subplugin.class.php');

/**
 * Links a restored quiz to its Proctor activity once every activity of the restore exists.
 *
 * A course restored (or imported) with both gets the quiz linked to the restored activity. A quiz restored without
 * its activity (the quiz alone duplicated in its course) keeps its link if the activity is in the course it lands
 * in, on the same site. Otherwise the quiz stays proctored but linked to no activity: it refuses every attempt
 * (fail closed) until the teacher links it again in its settings, and the restore log says so.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */
class restore_quizaccess_proctor_subplugin extends restore_mod_quiz_access_subplugin {
    /** @var int[] the backed-up activity's lti id, by restored quiz id: the activity may be restored after the quiz */
    private $links = [];

    /**
     * The path of the link in the quiz's backup.
     *
     * @return restore_path_element[]
     */
    protected function define_quiz_subplugin_structure() {
        return [new restore_path_element('quizaccess_proctor', $this->get_pathfor('/quizaccess_proctor'))];
    }

    /**
     * Remembers the link until every activity is restored.
     *
     * @param array $data the backed-up row
     */
    public function process_quizaccess_proctor($data) {
        $this->links[(int) $this->get_new_parentid('quiz')] = (int) $data['ltiid'];
    }

    /**
     * Links each restored quiz to its restored activity, or keeps or drops the link (see the class).
     */
    public function after_restore_quiz() {
        global $DB;
        foreach ($this->links as $quizid => $oldltiid) {
            $ltiid = (int) $this->get_mappingid('lti', $oldltiid);
            $incourse = ['id' => $oldltiid, 'course' => $this->task->get_courseid()];
            if (!$ltiid && $this->task->is_samesite() && $DB->record_exists('lti', $incourse)) {
                $ltiid = $oldltiid;
            }
            if (!$ltiid) {
                $this->log("quizaccess_proctor: quiz {$quizid} is proctored but its Proctor activity is not in this " .
                    "course: it cannot be started until it is linked again in the quiz settings", backup::LOG_WARNING);
            }
            $DB->insert_record('quizaccess_proctor', (object) ['quizid' => $quizid, 'ltiid' => $ltiid]);
        }
    }
}
