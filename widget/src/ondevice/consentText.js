/**
 * What the consent screen says about the camera, by the exam's analysis mode: exactly what leaves the device.
 *
 * @module ondevice/consentText
 */

/**
 * @param {"server" | "device" | undefined} analysis
 * @returns {string}
 */
export function cameraConsentText(analysis) {
  if (analysis === "device") {
    return (
      "once a second your browser checks a picture for your face (present, alone, facing the screen), on this " +
      "computer: the pictures stay on your device. What leaves it each second is the result (how many faces, " +
      "where, which way they face, whether the picture was too dark or blurred) and a fingerprint (hash) of a small " +
      "picture that your browser keeps for five minutes. The service asks for the picture itself for your first " +
      "second, for any moment a rule seems broken, and for about one second in a hundred, to check the result. " +
      "If your device cannot run the check, pictures are sent to the service instead and you are told. "
    );
  }
  return "once a second a picture is checked for your face (present, alone, facing the screen). Each picture is analysed and then discarded. ";
}
