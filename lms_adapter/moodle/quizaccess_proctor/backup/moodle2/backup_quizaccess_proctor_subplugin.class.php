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
 * Backup of the Proctor quiz access rule: which Proctor activity watches the quiz.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

require_once($CFG->dirroot . '/mod/quiz/backup/moodle2/backup_mod_quiz_access_subplugin.class.php');

/**
 * Keeps the quiz's link to its Proctor activity (the activity's lti id; restore maps it to the restored activity).
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */
class backup_quizaccess_proctor_subplugin extends backup_mod_quiz_access_subplugin {
    /**
     * The link of the quiz being backed up, if it has one.
     *
     * @return backup_subplugin_element
     */
    protected function define_quiz_subplugin_structure() {
        parent::define_quiz_subplugin_structure();
        $subplugin = $this->get_subplugin_element();
        $wrapper = new backup_nested_element($this->get_recommended_name());
        $link = new backup_nested_element('quizaccess_proctor', null, ['ltiid']);
        $subplugin->add_child($wrapper);
        $wrapper->add_child($link);
        $link->set_source_table('quizaccess_proctor', ['quizid' => backup::VAR_ACTIVITYID]);
        return $subplugin;
    }
}
