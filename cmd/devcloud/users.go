package main

import (
	"net/http"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/api"
)

// userView is an enrolled user without biometric data.
type userView struct {
	ID      string `json:"userId"`
	Badge   string `json:"badge"`
	Site    string `json:"siteId"`
	Status  string `json:"userStatus"`
	Created string `json:"createdTimestamp"`
	Source  string `json:"enrollmentSource,omitempty"` // the device instance that enrolled them
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request, _ apiKey) {
	siteID := r.URL.Query().Get("siteId")
	list(s, w, bProfiles, "users", func(p profile) (any, bool) {
		return userView{p.ID, p.Badge, p.Site, p.Status, p.Created.Format("2006-01-02T15:04:05Z"), p.Source}, siteID == "" || p.Site == siteID
	})
}

// deleteUser destroys a person's templates (their key, and with it the
// wrapping key every surviving profile key is moved off) and tells every
// reader of the site to drop them.
func (s *server) deleteUser(w http.ResponseWriter, r *http.Request, k apiKey) {
	id := r.PathValue("id")
	var p profile
	active := func(tx *bolt.Tx) error {
		if err := get(tx, bProfiles, id, &p); err != nil {
			return err
		}
		if p.Status == "DELETED" {
			return errConflict("the user's biometrics are already deleted")
		}
		return nil
	}
	// Refuse an unknown or deleted user before replacing any key; the
	// transaction checks again.
	if !s.view(w, active) {
		return
	}
	ok := s.answer(w, s.vault.destroy(s.db.b, func(tx *bolt.Tx) error {
		if err := active(tx); err != nil {
			return err
		}
		p.Status, p.Templates, p.Sealed = "DELETED", nil, nil
		if err := put(tx, bProfiles, id, p); err != nil {
			return err
		}
		if err := tx.Bucket(bProfileKeys).Delete([]byte(id)); err != nil {
			return err
		}
		if _, err := appendSeq(tx, bGallery, galleryChange{Site: p.Site, Deleted: id}); err != nil {
			return err
		}
		return s.events.userEvent(tx, "New Successful Un-enrollment", s.now(), p, k.Name)
	}))
	if !ok {
		return
	}
	s.publish()
	w.WriteHeader(http.StatusNoContent)
}

// commandHandler queues a command for the instance's reader.
func (s *server) commandHandler(kind string) func(http.ResponseWriter, *http.Request, apiKey) {
	return func(w http.ResponseWriter, r *http.Request, _ apiKey) {
		c := command{Command: api.Command{ID: newID("cmd-"), Kind: kind}, Instance: r.PathValue("id"), Created: s.now().UTC()}
		ok := s.update(w, func(tx *bolt.Tx) error {
			rec, err := s.db.getInstance(tx, c.Instance)
			if err != nil {
				return err
			}
			if rec.State != stateActive {
				return errConflict("no device is associated with this instance")
			}
			return put(tx, bCommands, c.ID, c)
		})
		if ok {
			writeJSON(w, http.StatusAccepted, c.Command)
		}
	}
}
