/*
 * apcv.h — libapcv, the C interface of apcvkit: read the appli carte Vitale
 * (ApCV) at a health professional's desk from any language that can call C
 * (C, C++, C# P/Invoke, Delphi, WinDev, Java JNA/FFM, Python ctypes…).
 *
 * Link with libapcv.so (Linux), apcv.dll (Windows) or libapcv.dylib (macOS).
 * Full documentation: docs/LIBAPCV.md.
 *
 *     apcv_handle h;
 *     char *id = NULL;
 *     if (apcv_open("{\"emulate\":{\"profile\":\"famille-6-drome\"}}", &h) == APCV_OK) {
 *         int rc = apcv_read(h, 30000, &id);  // id: identity JSON, or error JSON
 *         if (rc != APCV_OK)
 *             puts(apcv_message(rc, "fr"));  // the message for the desk
 *         apcv_free(id);
 *         apcv_close(h);
 *     }
 *
 * Conventions, for every function:
 * - Strings are UTF-8 and NUL-terminated, in and out.
 * - A string the library returns through a char** is allocated with malloc
 *   and belongs to the caller, who frees it with apcv_free (not free(): the
 *   library may use another C runtime, as on Windows). On failure the char**
 *   receives the error JSON {"code":"…","message_fr":"…","message_en":"…"},
 *   or NULL; apcv_free(NULL) does nothing.
 * - apcv_message and apcv_version return static strings owned by the
 *   library: never free them.
 * - Every function is thread-safe. One apcv_read at a time per handle (a
 *   second gets APCV_E_BUSY); apcv_cancel and apcv_close may be called from
 *   any thread while apcv_read or apcv_next_event wait in another.
 * - Functions return a result code: APCV_OK (0) or one of APCV_E_* below,
 *   one per stable error code of the SDK. The numbers never change; new
 *   ones are only ever appended. A code this header does not know still
 *   has its message: apcv_message(code, lang).
 * - A handle is an opaque positive integer, never reused in a process.
 *   No Go pointer is ever handed out.
 */
#ifndef APCV_H
#define APCV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version: bumped whenever an exported function, this header or the
 * result-code table changes. apcv_version() starts with it, so
 * atoi(apcv_version()) == APCV_ABI_VERSION checks that the library loaded
 * is the one this header describes. */
#define APCV_ABI_VERSION 6

#if defined(_WIN32) && !defined(APCV_STATIC)
#define APCV_API __declspec(dllimport)
#else
#define APCV_API
#endif

/* A session: the devices of one desk (or an emulated phone) and their events. */
typedef int64_t apcv_handle;

/* Opens a session. config_json is the configuration (docs/LIBAPCV.md), e.g.
 *   {"lists":"/etc/apcv/lists","pcsc":["any"],"groups":["AMO","INS"]}
 *   {"emulate":{"profile":"famille-6-drome","mode":"nfc"}}
 * On success *out is the new handle. Errors: APCV_E_BAD_CONFIG (unknown
 * field, malformed JSON…), APCV_E_BAD_ARGUMENT (NULL), device and list
 * errors (APCV_E_PCSC_NO_SERVICE, APCV_E_TRUST_LIST_STALE…). */
APCV_API int apcv_open(const char *config_json, apcv_handle *out);

/* Waits up to timeout_ms milliseconds (timeout_ms <= 0: no limit) for the
 * next presentation on any device of the session and verifies it. On
 * APCV_OK *identity_json is the verified identity (the JSON of
 * apcv read --json, schema in docs/); otherwise the error JSON. Refusals
 * (APCV_E_APP_LOCKED, APCV_E_REVOKED, APCV_E_QR_EXPIRED…): show
 * apcv_message(rc, "fr") and read again. APCV_E_READ_TIMEOUT: nothing was
 * presented in time. APCV_E_CANCELLED: apcv_cancel. APCV_E_BUSY: another
 * apcv_read of this handle is under way. APCV_E_CLOSED: apcv_close. */
APCV_API int apcv_read(apcv_handle h, int timeout_ms, char **identity_json);

/* Waits up to timeout_ms milliseconds (0: do not wait; < 0: no limit) for
 * the session's next event, and sets *event_json to it:
 *   {"type":"device-added|device-removed|phone-presented|reading|identity|refused",
 *    "device":"…","time":"RFC 3339","identity":{…},"error":{…}}
 * Events are queued from apcv_open on (the queue keeps the oldest 256
 * unread; newer ones are dropped). APCV_E_NO_EVENT: none in time;
 * APCV_E_CANCELLED: apcv_cancel; APCV_E_CLOSED: apcv_close. */
APCV_API int apcv_next_event(apcv_handle h, int timeout_ms, char **event_json);

/* Sends a care expense to the patient's app (shown in Activités for 7 days)
 * for the last identity apcv_read returned, e.g.
 *   {"beneficiary":0,"psId":"10101010101","psName":"Pharmacie de la Gare","amountCents":1250}
 * ("date", RFC 3339, defaults to now). Post it before the next apcv_read.
 * Errors: APCV_E_BAD_RECEIPT, APCV_E_RECEIPTS_UNAVAILABLE. */
APCV_API int apcv_post_receipt(apcv_handle h, const char *receipt_json);

/* Ends the apcv_read and apcv_next_event calls waiting on h (they return
 * APCV_E_CANCELLED). Does nothing when none waits: it does not cancel the
 * next call. */
APCV_API int apcv_cancel(apcv_handle h);

/* Closes the session: calls waiting on h return APCV_E_CLOSED, devices are
 * released, and it returns once everything has stopped. h is then invalid
 * (APCV_E_BAD_HANDLE). */
APCV_API int apcv_close(apcv_handle h);

/* Frees a string the library returned through a char**. NULL is ignored. */
APCV_API void apcv_free(char *s);

/* The desk message of a result code, in French (lang "fr") or English
 * (any other lang, NULL included); NULL for APCV_OK and unknown codes.
 * Static: do not free. */
APCV_API const char *apcv_message(int code, const char *lang);

/* "<ABI version> apcvkit <SDK version>", e.g. "1 apcvkit v1.2.0". Static. */
APCV_API const char *apcv_version(void);

/* Result codes. */
#define APCV_OK 0
/* BEGIN RESULT CODES: generated by "go test ./internal/errcatalog -update" from the error catalogue; append only */
#define APCV_E_ACTIVATION_REJECTED 1 /* Your activation request was rejected after the identity check. Start the activation again. */
#define APCV_E_ACTIVATION_STEP 2 /* Finish the previous activation step first. */
#define APCV_E_APCV_DISABLED 3 /* The carte Vitale app function is not enabled in your software. Enable it in the settings to read the app. */
#define APCV_E_APP_LOCKED 4 /* The carte Vitale app is locked. Ask the patient to enter their secret code, then present the phone again. */
#define APCV_E_APP_REVOKED 5 /* This carte Vitale app has been revoked. The patient must contact their caisse or use the physical card. */
#define APCV_E_BAD_AGENTS_FILE 6 /* The portal's agents file is invalid. */
#define APCV_E_BAD_ARGUMENT 7 /* The reading software called the library with an invalid argument. Contact your software's support. */
#define APCV_E_BAD_BODY 8 /* The request is malformed: a JSON object with the fields nir (and reason for an action) is expected. */
#define APCV_E_BAD_CONFIG 9 /* The reading configuration is invalid. Check the settings of the carte Vitale app reading. */
#define APCV_E_BAD_HANDLE 10 /* The reading session is not open. Open a new one. */
#define APCV_E_BAD_NIR 11 /* The social security number is invalid: 13 characters and a 2-digit key, e.g. 2 78 05 75 123 456 80. */
#define APCV_E_BAD_PHONE_STATE 12 /* The phone's saved state could not be read. */
#define APCV_E_BAD_REASON 13 /* Choose the reason from the list; add a note (at most 200 characters) for "other". */
#define APCV_E_BAD_RECEIPT 14 /* The expense could not be sent: its details are invalid. */
#define APCV_E_BAD_SIGNATURE 15 /* The carte Vitale app data could not be authenticated. Do not use them; ask the patient to present the app again. */
#define APCV_E_BAD_STATE_DIR 16 /* The issuer's saved state could not be read. */
#define APCV_E_BODY_TOO_LARGE 17 /* The request is too large. */
#define APCV_E_BUSY 18 /* A reading is already in progress. */
#define APCV_E_CAMERA_BAD_FRAME 19 /* The camera delivered an unreadable picture. Check the camera settings or try another camera. */
#define APCV_E_CANCELLED 20 /* The reading was cancelled. */
#define APCV_E_CLOSED 21 /* The reader was closed. Restart the reading. */
#define APCV_E_CODE_BIRTH_DATE 22 /* The secret code must not be derived from your birth date. Choose another one. */
#define APCV_E_CODE_FORMAT 23 /* The secret code must have 6 digits. */
#define APCV_E_CODE_MISMATCH 24 /* The two codes entered differ. Enter the same code twice. */
#define APCV_E_CODE_TRIVIAL 25 /* This secret code is too simple (such as 000000 or 123456). Choose another one. */
#define APCV_E_CONSENT_REFUSED 26 /* Without your consent to the biometric check, the app cannot be activated. */
#define APCV_E_CREDENTIAL_EXPIRED 27 /* The carte Vitale app data have expired. Ask the patient to open the app connected to the internet to renew them. */
#define APCV_E_CREDENTIAL_NOT_YET_VALID 28 /* The carte Vitale app data are not valid yet. Check the computer's date and time. */
#define APCV_E_DEVICE_BINDING 29 /* The phone could not prove it holds this carte Vitale app. Do not use the data. */
#define APCV_E_EMAIL_CODE_EXPIRED 30 /* The e-mail code has expired (valid 1 hour). Ask for a new one. */
#define APCV_E_EMAIL_CODE_WRONG 31 /* The code entered is not the one sent by e-mail. */
#define APCV_E_FORBIDDEN 32 /* Your role does not allow this action. Ask an authorised agent. */
#define APCV_E_GROUP_MISSING 33 /* The phone did not release the requested data. Ask the patient to accept the sharing in the app. */
#define APCV_E_IDENTITY_CHECK_FAILED 34 /* Your identity could not be verified. Check your identity document and try again. */
#define APCV_E_IMAGE_NOT_AN_IMAGE 35 /* The file is not a picture the reader knows. Give a PNG or JPEG image. */
#define APCV_E_IMAGE_TOO_LARGE 36 /* The image is too large to be read (at most 8192 pixels per side and 64 MiB). Use a smaller picture. */
#define APCV_E_IMAGE_UNREADABLE 37 /* The image file could not be read: it is missing, empty, incomplete or damaged. Save or take the picture again. */
#define APCV_E_INTERNAL 38 /* The reading failed. Try again; if it fails again, contact support. */
#define APCV_E_INVALID_ACTIVITY 39 /* The care-expense record is invalid. */
#define APCV_E_INVALID_FIELD 40 /* The patient's data are invalid. Ask the patient to update the carte Vitale app. */
#define APCV_E_INVALID_NIR 41 /* This social security number is not valid. Check the 15 digits on your carte Vitale. */
#define APCV_E_LIST_INVALID 42 /* The trust or revocation list received is invalid and was refused; the software keeps the list in use. Check the list server. */
#define APCV_E_LIST_ROLLBACK 43 /* A list older than the one in use was refused. */
#define APCV_E_LIST_SERVER_BAD_ANSWER 44 /* The list server gave an invalid answer. The lists in use are kept. */
#define APCV_E_LIST_SERVER_UNREACHABLE 45 /* The list server cannot be reached and no list is saved on this computer. Connect the software to the internet. */
#define APCV_E_LOCKED_OUT 46 /* Too many wrong secret codes: the app is locked. Activate it again. */
#define APCV_E_MALFORMED 47 /* The data read from the phone are damaged. Present the phone again. */
#define APCV_E_METHOD_NOT_ALLOWED 48 /* This method is not allowed here. */
#define APCV_E_NFC_LINK_FAILURE 49 /* The contactless exchange with the phone kept failing. Ask the patient to present the phone again and hold it still. */
#define APCV_E_NFC_PROTOCOL 50 /* The phone answered incorrectly. Present it again; if it fails again, use the QR code. */
#define APCV_E_NIR_ATTEMPTS 51 /* Too many attempts to enter your social security number. Try again later. */
#define APCV_E_NO_ACTIVATION 52 /* No activation request is waiting for this person. */
#define APCV_E_NO_ACTIVE_APP 53 /* This person has no active carte Vitale app to revoke. */
#define APCV_E_NO_APCV_APPLET 54 /* The phone presented does not answer as a carte Vitale app. Ask the patient to open the app and choose contactless, or use the QR code. */
#define APCV_E_NO_DEVICE 55 /* No contactless reader or QR scanner is available. Plug one in and try again. */
#define APCV_E_NO_EVENT 56 /* No new event happened in the time given. */
#define APCV_E_NO_NFC 57 /* This phone cannot be read contactless. Ask the patient to show the QR code in the app. */
#define APCV_E_NO_PHONE 58 /* No phone was presented to the reader. */
#define APCV_E_NO_VALIDATED_EMAIL 59 /* A validated e-mail address is required to activate the app. */
#define APCV_E_NON_LOOPBACK 60 /* The portal listens on the loopback interface only unless remote access is explicitly allowed. */
#define APCV_E_NOT_ACTIVATED 61 /* The carte Vitale app is not activated on this phone. */
#define APCV_E_NOT_DEPLOYED 62 /* The carte Vitale app is not deployed in your département yet. Use the physical carte Vitale. */
#define APCV_E_NOT_ELIGIBLE 63 /* The carte Vitale app is not available yet for your health insurance fund or your département. */
#define APCV_E_NOT_FOUND 64 /* This address does not exist on the portal. */
#define APCV_E_PCSC_NO_SERVICE 65 /* The smart-card service is not running on this computer. Start it (pcscd) and try again. */
#define APCV_E_PCSC_NOT_BUILT 66 /* This program was built without support for contactless (NFC) readers. Use the QR code, or ask your software vendor for a version with NFC reader support. */
#define APCV_E_PCSC_SHARING_VIOLATION 67 /* Another application is using the contactless reader. Close it and try again. */
#define APCV_E_PENDING_VALIDATION 68 /* Your activation request is being validated. */
#define APCV_E_PHONE_OFFLINE 69 /* No Internet connection: the carte Vitale app cannot reach the health insurance. Connect the phone and open the app again. */
#define APCV_E_PHONE_REMOVED 70 /* The phone was moved away too early. Ask the patient to hold it still on the reader until the end. */
#define APCV_E_PHONE_TIMEOUT 71 /* The phone did not answer in time. Ask the patient to present it again. */
#define APCV_E_PORTAL_INTERNAL 72 /* The portal could not complete the request. Try again; if it fails again, contact support. */
#define APCV_E_PROFILE_DELETED 73 /* The profile was deleted from this phone (deleted, or the app was not opened within 7 days of its validation). Activate the app again. */
#define APCV_E_QR_EXPIRED 74 /* This QR code has expired. Ask the patient to refresh it in the app. */
#define APCV_E_QR_GARBLED 75 /* The scan was incomplete or garbled. Scan the QR code again. */
#define APCV_E_QR_NOT_APCV 76 /* This QR code is not a carte Vitale app code. Ask the patient to open the carte Vitale app. */
#define APCV_E_QR_NOT_FOUND 77 /* No QR code was found. Hold the phone steady in front of the camera. */
#define APCV_E_READ_TIMEOUT 78 /* No carte Vitale app was presented in time. Start the reading again. */
#define APCV_E_READER_UNPLUGGED 79 /* The contactless reader was unplugged. Plug it back in and try again. */
#define APCV_E_REASON_REQUIRED 80 /* Give the reason for this action, from the list of reasons. */
#define APCV_E_RECEIPTS_UNAVAILABLE 81 /* The expense could not be sent to the patient's app. It will not appear in their Activités. */
#define APCV_E_REJECTED_DOCUMENT_INVALID 82 /* Activation refused: your identity document was not accepted (expired, not an accepted kind, or its back missing). Start again with a valid document. */
#define APCV_E_REJECTED_DOCUMENT_NOT_AUTHENTIC 83 /* Activation refused: the security features of your identity document (hologram) could not be verified. Start again, tilting the document in the video. */
#define APCV_E_REJECTED_FACE_MISMATCH 84 /* Activation refused: your selfie does not match the photo of your identity document. Start again. */
#define APCV_E_REJECTED_IDENTITY_MISMATCH 85 /* Activation refused: the identity on your document is not the one your health insurance fund knows. Contact your fund. */
#define APCV_E_REJECTED_VIDEO_UNUSABLE 86 /* Activation refused: the video could not be used (too dark, blurred or cut). Start again in good light. */
#define APCV_E_REPLAY_STORE_UNAVAILABLE 87 /* The shared anti-replay file of this computer could not be used. Try again; if it persists, check the file named in the settings. */
#define APCV_E_REPLAYED 88 /* This QR code has already been read. Ask the patient to refresh it in the app. */
#define APCV_E_REVOCATION_LIST_STALE 89 /* The revocation list is out of date. Connect the software to the internet to update it. */
#define APCV_E_REVOKED 90 /* This carte Vitale app has been revoked. The patient must contact their caisse or use the physical card. */
#define APCV_E_SCANNER_ACCESS_DENIED 91 /* The USB QR scanner cannot be opened (permission denied). Ask your IT support to allow access to it. */
#define APCV_E_SCANNER_BUSY 92 /* The QR scanner is in use by another program. Close that program and try again. */
#define APCV_E_SCANNER_NOT_FOUND 93 /* No QR scanner was found. Check that it is plugged in. */
#define APCV_E_SCANNER_PERMISSION 94 /* Access to the QR scanner was refused. Ask your IT support to allow it. */
#define APCV_E_SCANNER_UNPLUGGED 95 /* The QR scanner was unplugged. Plug it back in and try again. */
#define APCV_E_SCANNER_UNSUPPORTED 96 /* This USB device is not a supported QR scanner (no HID interface). Set the scanner to USB HID POS or USB keyboard mode. */
#define APCV_E_TOO_LARGE 97 /* The data read from the phone are too large. Present the phone again. */
#define APCV_E_TRUST_LIST_STALE 98 /* The trust list is out of date. Connect the software to the internet to update it. */
#define APCV_E_UNAUTHENTICATED 99 /* Sign in: this request needs an agent token. */
#define APCV_E_UNKNOWN_CREDENTIAL 100 /* This carte Vitale app is not known to the issuer (it may have been replaced by a newer one on another phone). At the desk, ask the patient for the offline QR code. */
#define APCV_E_UNKNOWN_ISSUER 101 /* The carte Vitale app was issued by an authority your software does not trust. Update the trust list. */
#define APCV_E_UNKNOWN_NIR 102 /* This social security number is not recognised. */
#define APCV_E_UNKNOWN_PERSON 103 /* No insured person has this social security number. */
#define APCV_E_UNKNOWN_READER 104 /* The contactless reader was not found. Check its name and connection. */
#define APCV_E_UNKNOWN_REJECT_REASON 105 /* This rejection reason is not known. */
#define APCV_E_UNSUPPORTED_VERSION 106 /* This version of the carte Vitale app is not supported by your software. Update your software. */
#define APCV_E_USB_HID_NOT_BUILT 107 /* This program was built without support for USB HID scanners. Set the scanner to USB serial (COM port) mode, or ask your software vendor for a version with USB HID support. */
#define APCV_E_USB_UNAVAILABLE 108 /* USB is not available on this computer. Contact support. */
#define APCV_E_USER_BLOCKED 109 /* Your access to the carte Vitale app is blocked. Contact your health insurance fund. */
#define APCV_E_VALIDATION_EXPIRED 110 /* Your activation request was not validated within 48 hours. Start the activation again. */
#define APCV_E_WRONG_CODE 111 /* Wrong secret code. */
#define APCV_E_BAD_REQUEST 112 /* The request sent to the agent is malformed. Check its JSON fields. */
#define APCV_E_BAD_TOKEN_FILE 113 /* The agent's pairing token file is unreadable or not private. Delete it and pair again with apcv agent pair. */
#define APCV_E_HOST_FORBIDDEN 114 /* The agent answers only requests addressed to this computer (127.0.0.1 or localhost). */
#define APCV_E_ORIGIN_FORBIDDEN 115 /* This web page is not allowed to use the carte Vitale app agent. Add its address to the agent's allowed origins. */
#define APCV_E_REMOTE_NEEDS_TLS 116 /* The agent listens on this computer only. Listening on the network needs --allow-remote and a TLS certificate. */
#define APCV_E_REQUEST_TOO_LARGE 117 /* The request sent to the agent is too large. */
#define APCV_E_UNAUTHORIZED 118 /* This program is not paired with the carte Vitale app agent. Run apcv agent pair and give it the token. */
#define APCV_E_UNKNOWN_ENDPOINT 119 /* This address does not exist on the carte Vitale app agent. Check the agent's API version. */
#define APCV_E_UNSUPPORTED_MEDIA_TYPE 120 /* The agent accepts JSON only (Content-Type: application/json). */
#define APCV_E_WRONG_METHOD 121 /* This HTTP method is not allowed on this address of the agent. */
#define APCV_E_APP_CRASHED 122 /* The carte Vitale app stopped unexpectedly. Update the app; if it goes on, use the physical carte Vitale. */
#define APCV_E_APP_UPDATE_NEEDED 123 /* This version of the carte Vitale app cannot activate through France Identité. Update the app. */
#define APCV_E_CAMERA_NO_AUTOFOCUS 124 /* The carte Vitale app needs a camera with autofocus, which this phone lacks. */
#define APCV_E_CAMERA_PERMISSION 125 /* Camera access is needed to go on with the activation. To allow the carte Vitale app to use the camera, change your phone's settings. */
#define APCV_E_CGU_REFUSED 126 /* The terms of use must be accepted to activate the carte Vitale app. */
#define APCV_E_CNIE_EXPIRED 127 /* Your identity card has expired: France Identité cannot use it. */
#define APCV_E_CNIE_INVALID_SIGNATURE 128 /* Your identity card's chip could not be authenticated. Activate with the video check instead. */
#define APCV_E_CNIE_PIN_BLOCKED 129 /* Too many wrong PINs: your identity card's PIN is blocked. Follow France Identité's instructions to unblock it. */
#define APCV_E_CNIE_WRONG_PIN 130 /* Wrong identity-card PIN. */
#define APCV_E_FRANCEID_IDENTITY_MISMATCH 131 /* Identity validation failed: the civil status read from your identity card does not match what your health insurance fund knows. */
#define APCV_E_FRANCEID_MODIFIED_SYSTEM 132 /* France Identité does not run on a phone whose system is modified (rooted, or bootloader unlocked). Activate with the video check instead. */
#define APCV_E_FRANCEID_NFC_OFF 133 /* NFC is turned off. Turn it on in the phone's settings to read your identity card. */
#define APCV_E_FRANCEID_NO_CNIE 134 /* France Identité needs the new identity card with a chip (carte d'identité électronique). Activate with the video check instead. */
#define APCV_E_FRANCEID_NO_NFC 135 /* This phone has no NFC: France Identité cannot read your identity card. Activate with the video check instead. */
#define APCV_E_FRANCEID_NOT_ACTIVATED 136 /* France Identité is not activated on this phone. Open France Identité and activate it with your identity card first. */
#define APCV_E_FRANCEID_NOT_INSTALLED 137 /* The France Identité app is not installed on this phone. Install it and activate it with your identity card, or activate with the video check. */
#define APCV_E_IDENTITY_BIRTH_COUNTRY 138 /* The birth countries differ. Ask your health-insurance fund to correct your birth country, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_BIRTH_DATE 139 /* The birth dates differ. Ask your health-insurance fund to correct your birth date, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_BIRTH_NAME 140 /* The birth names differ. Ask your health-insurance fund to correct your birth name, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_BIRTH_PLACE 141 /* The birth places differ, even taking into account the changes of commune and département codes. Ask your health-insurance fund to correct your birth place, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_BIRTH_PLACE_CODE 142 /* The birth place is recorded under a code that no longer designated it on the birth date. Ask your health-insurance fund to correct the birth-place code, then activate again. */
#define APCV_E_IDENTITY_FIRST_NAME 143 /* The first names differ. Ask your health-insurance fund to correct your first names, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_FIRST_NAME_EXTRA 144 /* The health insurance holds a first name that your identity document does not carry. Ask your health-insurance fund to correct your first names, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_FIRST_NAME_INCOMPLETE 145 /* The health insurance holds only part of a composed first name. Ask your health-insurance fund to record the whole first name, with a copy of your identity document, then activate again. */
#define APCV_E_IDENTITY_FIRST_NAME_ORDER 146 /* The first names are the same but not in the same order: the order of the birth certificate counts. Ask your health-insurance fund to correct the order, then activate again. */
#define APCV_E_IDENTITY_INCOMPLETE 147 /* A field of the civil status is missing on one side (name, first names, birth date or birth place). Check the identity document, or ask your health-insurance fund to complete its record. */
#define APCV_E_IDENTITY_SEX 148 /* The sex differs. Ask your health-insurance fund to check your record, then activate again. */
#define APCV_E_IDENTITY_USAGE_NAME 149 /* The health insurance holds your usage name (such as a spouse's name) as your birth name. Ask your health-insurance fund to record your birth name as on your identity document, then activate again. */
#define APCV_E_MICROPHONE_PERMISSION 150 /* Microphone access is needed to hear the instructions of the video check. To allow it, change your phone's settings. */
#define APCV_E_OS_TOO_OLD 151 /* This phone's system version is too old for the carte Vitale app. Update the system, or use another phone. */
#define APCV_E_OS_UNSUPPORTED 152 /* The carte Vitale app exists for Android and iOS only. */
#define APCV_E_TABLET_UNSUPPORTED 153 /* The carte Vitale app cannot be activated on a tablet. Use a smartphone. */
#define APCV_E_SCENARIO_EXPECTATION 154 /* The scenario's expectation was not met: the emulator did not behave as the script says. */
#define APCV_E_SCENARIO_STEP 155 /* This scenario step cannot be carried out as written. */
#define APCV_E_RESOLUTION_MISMATCH 156 /* The online service's answer does not match the QR code scanned, or this software's certificate. Do not use it; ask the patient for the offline QR code. */
#define APCV_E_SERVICE_CLOCK_SKEW 157 /* The online service's clock and this computer's disagree. Check the computer's date and time; meanwhile, ask the patient for the offline QR code. */
#define APCV_E_ALREADY_RESOLVED 158 /* This QR code has already been used. Ask the patient to refresh it in the app. */
#define APCV_E_PS_AUTHORITY_BAD_STATE 159 /* The saved state of the health professionals' certificate authority could not be read. */
#define APCV_E_PS_CERT_REFUSED 160 /* The online service refused your health professional certificate. Check the certificate configured in your software, or ask the patient for the offline QR code. */
#define APCV_E_PS_REVOKED 161 /* Your health professional certificate has been revoked: the online service refuses it. Renew it, and meanwhile ask the patient for the offline QR code. */
#define APCV_E_PS_UNKNOWN_SERIAL 162 /* No certificate with this serial number was issued by the authority. */
#define APCV_E_SERVICE_BAD_FAULT 163 /* The fault to inject into the online service is not understood: use down, unreachable, slow=2s, wrong-cert, revoked-ps or skew=45s. */
#define APCV_E_SERVICE_BAD_REQUEST 164 /* The software sent the online service a malformed request. Update your software. */
#define APCV_E_SERVICE_INTERNAL 165 /* The online service failed to answer. Try again, or ask the patient for the offline QR code. */
#define APCV_E_SERVICE_NOT_FOUND 166 /* The online service has no such address. Check the service address configured in your software. */
#define APCV_E_SERVICE_UNAVAILABLE 167 /* The online service of the health insurance cannot be reached. Ask the patient for the offline QR code. */
#define APCV_E_UNKNOWN_BENEFICIARY 168 /* The health insurance knows no beneficiary with this social security number, birth date and rank: the rights could not be fetched. */
#define APCV_E_CHOOSE_BENEFICIARY 169 /* The whole family does not fit in one QR code. Choose the person being seen. */
#define APCV_E_NO_CHOSEN_CREDENTIAL 170 /* This app cannot show a code for one beneficiary yet. Show the whole family's code, or open the app connected to the internet to update it. */
#define APCV_E_ONLINE_NOT_CONFIGURED 171 /* This is an online QR code and your software is not set up for the online service. Ask the patient for the offline QR code (in the app). */
#define APCV_E_RIGHTS_UNAVAILABLE 172 /* The patient's AMO rights could not be fetched online. The identity is valid; check the rights later or by your usual means. */
#define APCV_E_SERVICE_CERT 173 /* The online service's certificate is not the expected one: the connection was stopped. Ask the patient for the offline QR code and tell your software's support. */
#define APCV_E_SERVICE_TIMEOUT 174 /* The online service of the health insurance did not answer in time. Ask the patient for the offline QR code (in the app). */
#define APCV_E_ISSUER_STATE_BUSY 175 /* The issuer's saved state is in use by another program. Try again. */
/* END RESULT CODES */

#ifdef __cplusplus
}
#endif

#endif /* APCV_H */
