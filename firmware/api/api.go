// Package api is the wire API between a reader and its service, version 1:
// HTTPS with JSON bodies, always opened by the reader. docs/api.md is its
// description; keep the two in step.
//
// Activation is the only call made without a client certificate (the
// reader has none yet); it proves the one-time secret from the activation
// code instead. Every other call uses mutual TLS with the device
// certificate issued at activation, which names the device instance.
package api

import (
	"crypto/tls"
	"encoding/json"
	"time"
)

// TLS12Suites are the only TLS 1.2 suites either side offers: ECDHE key
// exchange (forward secrecy) and AEAD ciphers. Go's defaults would add CBC
// suites with SHA-1 MACs. TLS 1.3's suites are all of this kind already.
var TLS12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// Version is the API version, the first element of every path.
const Version = "v1"

// Paths of the device API.
const (
	PathActivate    = "/v1/activate"     // POST ActivateRequest -> ActivateResponse
	PathConfig      = "/v1/config"       // GET ?running=N -> Config (304 when N is current)
	PathConfigState = "/v1/config/state" // POST ConfigState
	PathHealth      = "/v1/health"       // POST Health
	PathEvents      = "/v1/events"       // POST EventBatch -> EventAck
	PathEnrollments = "/v1/enrollments"  // POST Enrollment
	PathGallery     = "/v1/gallery"      // GET ?cursor=C -> GalleryChanges
	PathCommands    = "/v1/commands"     // GET -> Commands; POST /v1/commands/{id}/ack CommandAck
	PathSoftware    = "/v1/software"     // GET ?arch=A -> Software (204: none); GET /v1/software/download?arch=A&version=V -> the bytes (Range allowed)
)

// ActivateRequest binds a physical reader to a device instance.
type ActivateRequest struct {
	Token  string `json:"token"`  // the activation code, as scanned
	Secret string `json:"secret"` // the code's one-time secret, proving possession
	CSR    string `json:"csr"`    // PEM certificate signing request for a key made on the reader
	Serial string `json:"serial"` // the reader's hardware serial number
}

// ActivateResponse carries the reader's identity and first configuration.
type ActivateResponse struct {
	Instance    string `json:"instance"`     // device instance ID
	Certificate string `json:"certificate"`  // PEM device certificate
	TrustBundle string `json:"trust_bundle"` // PEM CAs the reader trusts from now on
	Config      Config `json:"config"`
}

// Config is a versioned device configuration.
type Config struct {
	Version  int64       `json:"version"`
	Mode     string      `json:"mode"` // "entry" or "enrollment"
	Panel    PanelConfig `json:"panel"`
	Badge    BadgeConfig `json:"badge"`
	Relay    RelayConfig `json:"relay"`
	Decision Duration    `json:"decision_timeout"`
	Language string      `json:"language"`
	WiFi     *WiFiConfig `json:"wifi,omitempty"`
	// Enrollment sets an enrollment desk's captures; zero fields take
	// their defaults (EnrollmentRules), and entry readers ignore it.
	Enrollment EnrollmentConfig `json:"enrollment,omitzero"`
}

// EnrollmentConfig is how an enrollment desk captures palms.
type EnrollmentConfig struct {
	// Hands to enrol: "right", "left" or "both" (right, then left);
	// default both.
	Hands string `json:"hands,omitempty"`
	// Captures: good captures needed per hand, 1..10; default 3.
	Captures int `json:"captures,omitempty"`
	// MaxAttempts: frames with a hand in view a hand may take before the
	// enrollment fails (failure to enrol), 10..3000; default 300, ten
	// seconds of a hand held badly at 30 frames a second.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// StepTimeout: how long any step may wait for the person before the
	// desk forgets everything and returns to "Get started", 10 s..10 min;
	// default 1 min.
	StepTimeout Duration `json:"step_timeout,omitzero"`
}

// The hands an enrollment may capture.
const (
	HandRight = "right"
	HandLeft  = "left"
	HandsBoth = "both"
)

// PanelConfig says how the door controller is reached.
type PanelConfig struct {
	Protocol string `json:"protocol"` // "osdp" or "wiegand"
	Address  int    `json:"osdp_address"`
	Baud     int    `json:"osdp_baud"`
	Secure   bool   `json:"osdp_secure_channel"`
	PulseUS  int    `json:"wiegand_pulse_us"`
	GapUS    int    `json:"wiegand_interval_us"`
}

// BadgeConfig names the badge format: a standard one or a custom layout.
type BadgeConfig struct {
	Format string `json:"format"`           // e.g. "h10301", or "custom"
	Layout string `json:"layout,omitempty"` // wiegand.ParseLayout text when Format is "custom"
}

// RelayConfig says what the relay does on a grant.
type RelayConfig struct {
	Follow  string   `json:"follow"` // "panel" (OSDP OUT) or "grant" (pulse on a grant)
	Unlock  Duration `json:"unlock"` // pulse length with "grant"
	GPOFunc string   `json:"gpo"`    // "panel", "grant" or "off"
}

// WiFiConfig holds network credentials.
type WiFiConfig struct {
	SSID       string `json:"ssid"`
	Passphrase string `json:"passphrase"`
}

// ConfigState reports which configuration runs, or why one was refused.
type ConfigState struct {
	Running  int64  `json:"running"`
	Rejected int64  `json:"rejected,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Health is a health report; Failing names the checks that fail.
type Health struct {
	Status  string    `json:"status"` // "HEALTHY" or "CRITICAL"
	Failing []string  `json:"failing,omitempty"`
	At      time.Time `json:"at"`
	Config  int64     `json:"config_version"`
	Version string    `json:"software_version"`
}

// Event is one thing that happened on the reader, delivered at least once
// and recognised by ID.
type Event struct {
	ID   string          `json:"id"`
	Type string          `json:"type"` // a guide detail-type, e.g. "Successful Recognition"
	Time time.Time       `json:"time"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Event types a reader records; the service publishes them as the guide's
// detail-types.
const (
	EventRecognized    = "Successful Recognition"
	EventNotRecognized = "Unsuccessful Recognition"
	// The case was opened or taken off the wall, and closed again
	// (product.md §9); not a type of the guide, which has no tamper.
	EventTamperRaised  = "Device Tamper Alarm Raised"
	EventTamperCleared = "Device Tamper Alarm Cleared"
	// Events the reader had to drop (its storage was full, or it was
	// offline beyond what its outbox holds); data is EventsDropped.
	EventEventsDropped = "Device Events Dropped"
	// A person enrolled at this reader; data is Enrolled. It never goes
	// to /v1/events: the sync uploads the profile it names as an
	// Enrollment, under the event's ID, and the service publishes it.
	EventEnrolled = "New Successful Enrollment"
	// An enrollment that ended without a profile; data is
	// EnrollmentFailure.
	EventNotEnrolled = "Unsuccessful Enrollment"
	// The service's deletion of a person, carried out on this reader or
	// not; data is Unenrollment.
	EventUnenrolled    = "New Successful Un-enrollment"
	EventNotUnenrolled = "Unsuccessful Un-enrollment"
	// A profile the service sent that this reader cannot match (no
	// templates, or a template it cannot decode, such as one coded by
	// another version of the pipeline); data is ProfileRefused. Not a
	// type of the guide: the sync passes the profile over and goes on.
	EventProfileRefused = "Profile Refused"
	// A software update's progress and outcome; data is SoftwareUpdate.
	// Installing: a verified release goes into the inactive slot.
	// Failed: it could not be installed; the running release stays.
	// Confirmed: it passed its health checks on trial and stays.
	// Rolled Back: it failed its trial (did not start, hung, or was
	// not healthy in time) and the previous release runs again; the
	// reader never fetches it again.
	EventUpdateInstalling = "Software Update Installing"
	EventUpdateFailed     = "Software Update Failed"
	EventUpdateConfirmed  = "Software Update Confirmed"
	EventUpdateRolledBack = "Software Update Rolled Back"
)

// Enrolled is the data of an EventEnrolled in the reader's outbox: which
// sealed profile to upload. Templates never sit in the outbox.
type Enrolled struct {
	Profile  string `json:"profile"`
	Replaces string `json:"replaces,omitempty"` // the badge's previous profile on this reader
}

// EnrollmentFailure is the data of an EventNotEnrolled. Badge is empty
// when the person declined consent: nothing of them is kept.
type EnrollmentFailure struct {
	Badge  string `json:"badge,omitempty"`
	Reason string `json:"reason"`
	// Cause is the reason as a code: "declined", "timeout",
	// "failure-to-enrol", "duplicate", "storage".
	Cause string `json:"cause"`
}

// The causes of an EnrollmentFailure.
const (
	EnrollDeclined = "declined"
	EnrollTimeout  = "timeout"
	EnrollFTE      = "failure-to-enrol"
	EnrollDup      = "duplicate"
	EnrollStorage  = "storage"
)

// Unenrollment is the data of an EventUnenrolled or EventNotUnenrolled:
// the person the service deleted and, when the reader could not, why.
type Unenrollment struct {
	Profile string `json:"profile"`
	Reason  string `json:"reason,omitempty"`
}

// ProfileRefused is the data of an EventProfileRefused.
type ProfileRefused struct {
	Profile string `json:"profile"`
	Reason  string `json:"reason"`
}

// SoftwareUpdate is the data of the software update events.
type SoftwareUpdate struct {
	Version string `json:"version"`           // the release the event is about
	Running string `json:"running,omitempty"` // the release running now, after a rollback the one gone back to
	Reason  string `json:"reason,omitempty"`  // why an installation failed
}

// EventsDropped is the data of an EventEventsDropped event.
type EventsDropped struct {
	Count  uint64 `json:"count"`
	Reason string `json:"reason"`
}

// Access decisions of the door controller after a recognition.
const (
	DecisionGranted  = "granted"
	DecisionDenied   = "denied"
	DecisionNoAnswer = "no-answer" // nothing within the decision timeout
)

// Recognition is the data of a recognition event. Badge is the badge sent
// to the door controller (empty when nobody matched), Decision what the
// controller answered, Reason why a recognition failed or was refused.
type Recognition struct {
	Profile  string `json:"profile,omitempty"`
	Badge    string `json:"badge,omitempty"`
	Decision string `json:"decision,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// EventBatch carries events; EventAck lists the IDs the service now holds
// (including ones it had already).
type EventBatch struct {
	Events []Event `json:"events"`
}

// EventAck acknowledges a batch: the events the service holds, and those
// it will never take (malformed), with why. The reader removes both from
// its outbox, so one bad event cannot hold up the rest for ever.
type EventAck struct {
	Accepted []string        `json:"accepted"`
	Rejected []EventRejected `json:"rejected,omitempty"`
}

// EventRejected is an event the service refused for good.
type EventRejected struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Enrollment uploads a person enrolled at this reader. ID is both the
// idempotency key and the new profile's ID; the service replaces any
// other profile of the same badge in the site (a re-enrollment).
type Enrollment struct {
	ID        string    `json:"id"`
	Badge     string    `json:"badge"`
	Templates [][]byte  `json:"templates"`
	At        time.Time `json:"at"`
}

// Profile is a person in the site's gallery.
type Profile struct {
	ID        string   `json:"id"`
	Badge     string   `json:"badge"`
	Templates [][]byte `json:"templates"`
}

// GalleryChanges are the additions and deletions after a cursor. Pass
// Cursor back to get the next changes; More says there are more now.
type GalleryChanges struct {
	Cursor  string    `json:"cursor"`
	Added   []Profile `json:"added,omitempty"`
	Deleted []string  `json:"deleted,omitempty"`
	More    bool      `json:"more,omitempty"`
}

// Command kinds.
const (
	CommandReboot     = "reboot"
	CommandDeactivate = "deactivate"
	CommandRefresh    = "refresh"
)

// Command is an instruction from the service, executed once and
// acknowledged by ID.
type Command struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// Commands lists the commands waiting for the reader.
type Commands struct {
	Commands []Command `json:"commands"`
}

// CommandAck reports the outcome of a command.
type CommandAck struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Software describes the newest release for this reader.
type Software struct {
	Version  string `json:"version"`
	URL      string `json:"url"` // a path of this API on the same service
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Manifest string `json:"manifest"` // signed release metadata (firmware/release)
}

// Error is the body of every non-2xx response.
type Error struct {
	Code    string `json:"code"` // machine-readable, e.g. "code_used"
	Message string `json:"message"`
}

// Duration is a time.Duration written as a Go duration string.
type Duration struct{ time.Duration }

// MarshalText writes the duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}
