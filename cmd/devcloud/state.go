package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/api"
)

// Buckets of the service's bbolt file.
var (
	bSites     = []byte("sites")
	bInstances = []byte("instances")
	bTemplates = []byte("templates")
	bCodes     = []byte("codes")    // sha256(secret) -> code
	bEvents    = []byte("events")   // event ID -> stored event
	bProfiles  = []byte("profiles") // profile ID -> profile
	bGallery   = []byte("gallery")  // seq -> galleryChange
	bCommands  = []byte("commands")
	bKeys      = []byte("apikeys")  // sha256(key) -> apiKey
	bAudit     = []byte("audit")    // seq -> auditEntry
	bReleases  = []byte("releases") // arch -> releaseRecord, the newest published
	bOutbox    = []byte("outbox")   // seq -> published event not yet in the events file
	bMeta      = []byte("meta")     // the publisher's progress
	// profile ID -> the profile's own key, wrapped (see vault.go)
	bProfileKeys = []byte("profilekeys")
	allBuckets   = [][]byte{bSites, bInstances, bTemplates, bCodes, bEvents, bProfiles, bGallery, bCommands, bKeys, bAudit, bReleases, bOutbox, bMeta, bProfileKeys}
)

var errNotFound = errors.New("not found")

// Instance states from the guide.
const (
	stateNeedsConfig = "NEEDS_CONFIGURATION"
	stateReady       = "READY_FOR_ACTIVATION"
	stateActive      = "ACTIVE"
)

type address struct {
	Line1         string `json:"addressLine1"`
	Line2         string `json:"addressLine2,omitempty"`
	City          string `json:"city"`
	PostalCode    string `json:"postalCode"`
	CountryCode   string `json:"countryCode"`
	StateOrRegion string `json:"stateOrRegion,omitempty"`
}

type site struct {
	ID        string            `json:"siteId"`
	Name      string            `json:"name"`
	Address   address           `json:"address"`
	Tags      map[string]string `json:"tags,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

type instance struct {
	ID       string            `json:"deviceInstanceId"`
	Name     string            `json:"name"`
	Site     string            `json:"siteId"`
	State    string            `json:"state"`
	Config   *api.Config       `json:"configuration,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
	AssetTag string            `json:"assetTagId,omitempty"` // the bound device's serial
	Running  int64             `json:"runningConfigVersion,omitempty"`
	Rejected *api.ConfigState  `json:"rejectedConfig,omitempty"`
	Health   string            `json:"healthStatus,omitempty"`
	Failing  []string          `json:"failingChecks,omitempty"`
	Online   bool              `json:"online"`
	LastSeen time.Time         `json:"lastSeen,omitempty"`
}

// instanceRecord keeps the fields hidden from JSON views too.
type instanceRecord struct {
	instance
	CertSN string `json:"certSerial,omitempty"` // the only device certificate accepted
}

type template struct {
	ID     string     `json:"templateId"`
	Name   string     `json:"name"`
	Config api.Config `json:"configuration"`
}

type code struct {
	Instance string    `json:"instance"`
	Expires  time.Time `json:"expires"`
	UsedAt   time.Time `json:"usedAt,omitempty"`
}

// profile is an enrolled person. Templates is always empty at rest: the
// templates are in Sealed, under the profile's own key (vault.go).
type profile struct {
	api.Profile
	Sealed  []byte    `json:"sealedTemplates,omitempty"`
	Site    string    `json:"site"`
	Status  string    `json:"userStatus"` // ACTIVE or DELETED
	Created time.Time `json:"createdTimestamp"`
	Source  string    `json:"enrollmentSource,omitempty"` // the device instance that enrolled them
	// ReplacedBy is the profile a re-enrollment of the same badge made;
	// such a profile is DELETED without being un-enrolled.
	ReplacedBy string `json:"replacedBy,omitempty"`
}

// galleryChange is one entry of a site's gallery log. An addition names
// the profile, whose templates are read when a reader asks, so that a
// deletion leaves no copy in the log. LegacyAdded is how versions before
// the vault kept additions, with the templates in the clear; a start
// migrates them (migrate.go).
type galleryChange struct {
	Site        string       `json:"site"`
	AddedID     string       `json:"addedId,omitempty"`
	LegacyAdded *api.Profile `json:"added,omitempty"`
	Deleted     string       `json:"deleted,omitempty"`
}

type command struct {
	api.Command
	Instance string    `json:"instance"`
	Created  time.Time `json:"created"`
	Acked    bool      `json:"acked"`
	OK       bool      `json:"ok"`
}

// db wraps bbolt with JSON records.
type db struct{ b *bolt.DB }

func openDB(path string) (*db, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("devcloud: open %s: %w", path, err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, n := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Close()
		return nil, err
	}
	return &db{b: b}, nil
}

func get(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw := tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return fmt.Errorf("%s %q: %w", bucket, key, errNotFound)
	}
	return json.Unmarshal(raw, v)
}

func put(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

// appendSeq stores v under the bucket's next sequence number.
func appendSeq(tx *bolt.Tx, bucket []byte, v any) (uint64, error) {
	b := tx.Bucket(bucket)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	return seq, b.Put(binary.BigEndian.AppendUint64(nil, seq), raw)
}

// each decodes every record of a bucket in key order.
func each[T any](tx *bolt.Tx, bucket []byte, f func(key []byte, v T) error) error {
	return tx.Bucket(bucket).ForEach(func(k, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%s %x: %w", bucket, k, err)
		}
		return f(k, v)
	})
}

func (d *db) getInstance(tx *bolt.Tx, id string) (instanceRecord, error) {
	var r instanceRecord
	err := get(tx, bInstances, id, &r)
	return r, err
}

func (d *db) putInstance(tx *bolt.Tx, r instanceRecord) error { return put(tx, bInstances, r.ID, r) }
