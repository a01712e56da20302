package phone

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Prerequisites of the app (the training deck, "Prérequis pour télécharger
// l'appli sur les stores" and "Activation de l'application : prérequis"),
// each a profile attribute and a typed refusal at the step where the real
// app refuses:
//
//   - "Smartphone compatible — Version d'OS minimum": Device.Version below
//     Requirements.MinAndroid / MinIOS → ErrOSTooOld when the activation
//     starts. The deck's text lost the numbers (they were in a picture);
//     the defaults, Android 7 and iOS 12, are those iGeneration reported
//     for the app in December 2023 ("disposer d'un iPhone sous iOS 12 ou
//     d'un smartphone sous Android 7 au minimum").
//   - "Pas de tablette (sur tablette iOS, le téléchargement est possible)":
//     Device.Tablet → ErrTablet when the activation starts (the app can
//     be downloaded on an iPad, not used to activate).
//   - "Présence de caméra avec mise au point automatique":
//     Device.NoAutofocus → ErrNoAutofocus when the activation starts.
//   - "Être connecté à internet pendant toute la durée de l'activation —
//     sans cette connexion, des messages d'erreurs vont apparaître pendant
//     le processus d'activation": every activation step offline →
//     ErrOffline (SetOnline, Options.Offline).
//   - "Accepter les conditions générales d'utilisation":
//     Answers.RefuseCGU → ErrCGURefused when the activation starts.
//   - "Autoriser l'application à prendre des photos et enregistrer des
//     vidéos" and "Autoriser l'accès au micro (pour pouvoir entendre les
//     directives)": Answers.DenyCamera → ErrCameraPermission,
//     Answers.DenyMicrophone → ErrMicrophonePermission when the video route
//     starts (the France Identité route films nothing).
//
// A system other than Android or iOS (OS "other", as Ubuntu Touch in the
// article's comments: "Ceux qui ont par exemple un Ubuntu Touch, cela ne
// fonctionne pas") → ErrUnsupportedOS.

// Requirements are the minimum versions the app requires. Zero fields take
// the defaults of DefaultRequirements.
type Requirements struct {
	MinAndroid string // minimum Android version, default "7"
	MinIOS     string // minimum iOS version, default "12"
	// MinIOSAppFranceIdentite is the first iOS version of the carte Vitale
	// app with the France Identité route, default "5.12.2" (the article:
	// "sur iOS, c'est la mouture 5.12.2 du 11 mars"). Device.AppVersion
	// below it → ErrAppUpdateNeeded. (On Android the article gives a date,
	// the update of 3 March, not a version: no check.)
	MinIOSAppFranceIdentite string
}

// DefaultRequirements returns the defaults (see Requirements).
func DefaultRequirements() Requirements {
	return Requirements{MinAndroid: "7", MinIOS: "12", MinIOSAppFranceIdentite: "5.12.2"}
}

func (r Requirements) withDefaults() Requirements {
	d := DefaultRequirements()
	if r.MinAndroid == "" {
		r.MinAndroid = d.MinAndroid
	}
	if r.MinIOS == "" {
		r.MinIOS = d.MinIOS
	}
	if r.MinIOSAppFranceIdentite == "" {
		r.MinIOSAppFranceIdentite = d.MinIOSAppFranceIdentite
	}
	return r
}

// Answers are the person's answers to the app's prompts at the start of
// the activation. The zero value accepts everything.
type Answers struct {
	RefuseCGU      bool // refuses the conditions générales d'utilisation
	DenyCamera     bool // refuses the camera permission (photos and videos)
	DenyMicrophone bool // refuses the microphone permission
}

// Refusals of the prerequisites.
var (
	ErrUnsupportedOS = apcverr.New("os-unsupported",
		"The carte Vitale app exists for Android and iOS only.",
		"L'appli carte Vitale n'existe que pour Android et iOS.")
	ErrOSTooOld = apcverr.New("os-too-old",
		"This phone's system version is too old for the carte Vitale app. Update the system, or use another phone.",
		"La version du système de ce téléphone est trop ancienne pour l'appli carte Vitale. Mettez le système à jour, ou utilisez un autre téléphone.")
	ErrTablet = apcverr.New("tablet-unsupported",
		"The carte Vitale app cannot be activated on a tablet. Use a smartphone.",
		"L'appli carte Vitale ne peut pas être activée sur une tablette. Utilisez un smartphone.")
	ErrNoAutofocus = apcverr.New("camera-no-autofocus",
		"The carte Vitale app needs a camera with autofocus, which this phone lacks.",
		"L'appli carte Vitale nécessite un appareil photo avec mise au point automatique, absent de ce téléphone.")
	ErrCGURefused = apcverr.New("cgu-refused",
		"The terms of use must be accepted to activate the carte Vitale app.",
		"Les conditions générales d'utilisation doivent être acceptées pour activer l'appli carte Vitale.")
	// ErrCameraPermission carries the deck's screen: "L'accès à l'appareil
	// photo est nécessaire pour poursuivre l'activation. Pour autoriser
	// l'appli carte Vitale à accéder à l'appareil photo, modifiez les
	// réglages de votre téléphone."
	ErrCameraPermission = apcverr.New("camera-permission",
		"Camera access is needed to go on with the activation. To allow the carte Vitale app to use the camera, change your phone's settings.",
		"L'accès à l'appareil photo est nécessaire pour poursuivre l'activation. Pour autoriser l'appli carte Vitale à accéder à l'appareil photo, modifiez les réglages de votre téléphone.")
	ErrMicrophonePermission = apcverr.New("microphone-permission",
		"Microphone access is needed to hear the instructions of the video check. To allow it, change your phone's settings.",
		"L'accès au micro est nécessaire pour entendre les consignes de la vérification vidéo. Pour l'autoriser, modifiez les réglages de votre téléphone.")
	ErrAppUpdateNeeded = apcverr.New("app-update-needed",
		"This version of the carte Vitale app cannot activate through France Identité. Update the app.",
		"Cette version de l'appli carte Vitale ne permet pas l'activation par France Identité. Mettez l'appli à jour.")
)

// checkPrerequisitesLocked applies the store's and the activation's prerequisites
// that depend on the handset, then the person's answers; video says which
// route starts.
func (p *Phone) checkPrerequisitesLocked(video bool) error {
	d, req := p.profile.Device, p.opts.Requirements.withDefaults()
	switch d.OS {
	case Android:
		if compareVersions(d.Version, req.MinAndroid) < 0 {
			return fmt.Errorf("phone: Android %s, at least %s: %w", d.Version, req.MinAndroid, ErrOSTooOld)
		}
	case IOS:
		if compareVersions(d.Version, req.MinIOS) < 0 {
			return fmt.Errorf("phone: iOS %s, at least %s: %w", d.Version, req.MinIOS, ErrOSTooOld)
		}
	default:
		return fmt.Errorf("system %q: %w", d.OS, ErrUnsupportedOS)
	}
	switch {
	case d.Tablet:
		return fmt.Errorf("%s: %w", d.Model, ErrTablet)
	case d.NoAutofocus:
		return fmt.Errorf("%s: %w", d.Model, ErrNoAutofocus)
	case p.profile.Answers.RefuseCGU:
		return ErrCGURefused
	case video && p.profile.Answers.DenyCamera:
		return ErrCameraPermission
	case video && p.profile.Answers.DenyMicrophone:
		return ErrMicrophonePermission
	case !video && d.OS == IOS && d.AppVersion != "" && compareVersions(d.AppVersion, req.MinIOSAppFranceIdentite) < 0:
		return fmt.Errorf("app %s, at least %s: %w", d.AppVersion, req.MinIOSAppFranceIdentite, ErrAppUpdateNeeded)
	}
	return nil
}

// compareVersions compares dotted numeric versions ("14", "17.5.1"):
// missing parts count as 0. Non-numeric parts compare as 0.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// SetAnswers changes the person's answers to the activation's prompts (a
// tester replaying "I refused, then changed the settings").
func (p *Phone) SetAnswers(a Answers) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.profile.Answers = a
}

// offlineLocked returns ErrOffline for an activation step without a
// connection.
func (p *Phone) offlineLocked(step string) error {
	if p.offline {
		return fmt.Errorf("phone: %s: %w", step, ErrOffline)
	}
	return nil
}
