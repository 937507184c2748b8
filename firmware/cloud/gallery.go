package cloud

import (
	"encoding/json"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/store"
)

// StoreGallery keeps the site's profiles in the store's encrypted vault,
// one key per person, so a deletion destroys the person's key.
type StoreGallery struct{ DB *store.DB }

// Add stores or replaces a profile.
func (g StoreGallery) Add(p api.Profile) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return g.DB.PutProfile(p.ID, b)
}

// Delete removes profiles and their keys.
func (g StoreGallery) Delete(ids ...string) error { return g.DB.DeleteProfiles(ids...) }

var _ Gallery = StoreGallery{}
