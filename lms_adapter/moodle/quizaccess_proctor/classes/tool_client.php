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

use Firebase\JWT\JWT;
use mod_lti\local\ltiopenid\jwks_helper;
use moodle_exception;
use moodle_url;
use stdClass;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->dirroot . '/mod/lti/locallib.php');
require_once($CFG->libdir . '/filelib.php');

/**
 * The Proctor activity linked to a quiz, and the signed server-to-server calls about its attempts.
 *
 * Trust stays with the site's LTI 1.3 registration: each call is a JWT signed with the key Moodle signs its
 * launches with, for the registration's client id, so the tool verifies it with the keyset it already uses.
 *
 * @package   quizaccess_proctor
 * @license   https://www.gnu.org/licenses/gpl-3.0.html GNU GPL v3 or later
 */
class tool_client {
    /** Path of the tool's endpoint for quiz attempts, below the tool's base address. */
    const ENDPOINT = '/lti/moodle/quiz/';

    /** Seconds a signed call stays valid (the tool refuses more than 300). */
    const LIFETIME = 120;

    /** @var stdClass the mod_lti instance (table lti). */
    public $lti;

    /** @var stdClass the activity's course module. */
    public $cm;

    /** @var stdClass the LTI tool type (table lti_types). */
    public $type;

    /**
     * @param stdClass $lti the activity
     * @param stdClass $cm its course module
     * @param stdClass $type its LTI tool type
     */
    public function __construct(stdClass $lti, stdClass $cm, stdClass $type) {
        $this->lti = $lti;
        $this->cm = $cm;
        $this->type = $type;
    }

    /**
     * The client of a Proctor activity, or null when the activity or its LTI 1.3 tool no longer exists, or the
     * activity is not in the course given.
     *
     * @param int $ltiid the mod_lti instance id
     * @param int $courseid the course the activity must be in (0: any)
     * @return tool_client|null
     */
    public static function for_lti(int $ltiid, int $courseid = 0): ?tool_client {
        global $DB;
        $lti = $DB->get_record('lti', ['id' => $ltiid]);
        if (!$lti || ($courseid && (int) $lti->course !== $courseid)) {
            return null;
        }
        $cm = get_coursemodule_from_instance('lti', $lti->id, $lti->course);
        $typeid = $lti->typeid;
        if (empty($typeid) && ($tool = lti_get_tool_by_url_match($lti->toolurl, $lti->course))) {
            $typeid = $tool->id;
        }
        $type = $typeid ? $DB->get_record('lti_types', ['id' => $typeid]) : false;
        if (!$cm || !$type || $type->ltiversion !== LTI_VERSION_1P3 || empty($type->clientid)) {
            return null;
        }
        return new tool_client($lti, $cm, $type);
    }

    /**
     * The tool's base address: the tool URL up to its "/lti/" path, or its origin.
     *
     * @return string
     */
    public function base_url(): string {
        $url = $this->type->baseurl;
        $cut = strpos($url, '/lti/', strpos($url, '//') + 2);
        return $cut === false ? $this->origin() : substr($url, 0, $cut);
    }

    /**
     * The tool's origin (scheme, host and port), for the panel's camera and microphone permission.
     *
     * @return string
     */
    public function origin(): string {
        $parts = parse_url($this->type->baseurl);
        $origin = ($parts['scheme'] ?? 'https') . '://' . ($parts['host'] ?? '');
        return isset($parts['port']) ? $origin . ':' . $parts['port'] : $origin;
    }

    /**
     * Moodle's ordinary LTI launch of the activity, without a "viewed" event, for the panel.
     *
     * @return moodle_url
     */
    public function launch_url(): moodle_url {
        return new moodle_url('/mod/lti/launch.php', ['id' => $this->cm->id, 'triggerview' => 0]);
    }

    /**
     * The activity's page: the learner's launch, or the instructor's review of every session.
     *
     * @return moodle_url
     */
    public function view_url(): moodle_url {
        return new moodle_url('/mod/lti/view.php', ['id' => $this->cm->id]);
    }

    /**
     * The signed JWT of one call.
     *
     * @param string $action check, start or submit
     * @param int $userid the learner
     * @param stdClass $quiz the quiz (id, name) and its course module id in $quiz->cmid
     * @param stdClass|null $attempt the attempt (id, attempt), for start and submit
     * @return string
     */
    public function sign(string $action, int $userid, stdClass $quiz, ?stdClass $attempt): string {
        global $CFG;
        $now = time();
        $claims = [
            'iss' => $CFG->wwwroot,
            'aud' => (string) $this->type->clientid,
            'iat' => $now,
            'exp' => $now + self::LIFETIME,
            'jti' => bin2hex(random_bytes(16)),
            'https://purl.imsglobal.org/spec/lti/claim/deployment_id' => (string) $this->type->id,
            'sub' => (string) $userid,
            'resource_link_id' => (string) $this->lti->id,
            'action' => $action,
            'quiz' => ['cmid' => (int) $quiz->cmid, 'name' => format_string($quiz->name, true, ['escape' => false])],
        ];
        if ($attempt) {
            $claims['attempt'] = ['id' => (int) $attempt->id, 'number' => (int) $attempt->attempt];
        }
        $key = jwks_helper::get_private_key();
        return JWT::encode($claims, $key['key'], 'RS256', $key['kid']);
    }

    /**
     * Make one signed call.
     *
     * @param string $action check, start or submit
     * @param int $userid the learner
     * @param stdClass $quiz the quiz, with its course module id in $quiz->cmid
     * @param stdClass|null $attempt the attempt, for start and submit
     * @return array [HTTP status, decoded JSON answer (array)]
     * @throws moodle_exception 'toolunreachable' when no JSON answer came back
     */
    public function call(string $action, int $userid, stdClass $quiz, ?stdClass $attempt = null): array {
        $endpoint = $this->base_url() . self::ENDPOINT;
        $curl = new \curl();
        $curl->setHeader(['Accept: application/json']);
        $body = $curl->post($endpoint, ['jwt' => $this->sign($action, $userid, $quiz, $attempt)],
            ['CURLOPT_TIMEOUT' => 15, 'CURLOPT_CONNECTTIMEOUT' => 5]);
        $status = (int) ($curl->get_info()['http_code'] ?? 0);
        $answer = is_string($body) ? json_decode($body, true) : null;
        if ($curl->get_errno() || !$status || !is_array($answer)) {
            $why = $curl->get_errno() ? $curl->error : "HTTP $status without a JSON answer";
            throw new moodle_exception('toolunreachable', 'quizaccess_proctor', '', null, "$endpoint: $why");
        }
        return [$status, $answer];
    }
}
