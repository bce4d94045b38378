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
 * Version of the Proctor quiz access rule.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$plugin->component = 'quizaccess_proctor';
$plugin->version = 2026113002;
$plugin->release = '1.1';
$plugin->requires = 2022112800; // Moodle 4.1.
$plugin->supported = [401, 405];
$plugin->maturity = MATURITY_STABLE;
$plugin->dependencies = ['mod_lti' => ANY_VERSION];
