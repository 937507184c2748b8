package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/palmd/palmd/firmware/api"
)

// publisher writes events as JSON lines in the shape of the guide's
// "Sample events".
type publisher struct {
	mu      sync.Mutex
	w       io.Writer
	log     *slog.Logger
	account string
	region  string
	now     func() time.Time
}

type published struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       string    `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
	Detail     evDetails `json:"detail"`
}

type evDetails struct {
	Version  string            `json:"version"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Data     map[string]any    `json:"data"`
}

func (p *publisher) arn(kind, id string) string {
	return "arn:palmd:one:" + p.region + ":" + p.account + ":" + kind + "/" + id
}

func (p *publisher) publish(id, detailType string, resources []string, meta map[string]string, data map[string]any) {
	ev := published{
		Version: "0", ID: id, DetailType: detailType, Source: "palmd.one", Account: p.account,
		Time: p.now().UTC().Format(time.RFC3339), Region: p.region, Resources: resources,
		Detail: evDetails{Version: "1.0.0", Metadata: meta, Data: data},
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := json.NewEncoder(p.w).Encode(ev); err != nil {
		p.log.Error("publishing an event failed", "err", err)
	}
}

// instanceEvent publishes a health or connectivity change.
func (p *publisher) instanceEvent(detailType string, rec instanceRecord, st site, data map[string]any) {
	data["assetTagId"], data["deviceInstanceName"] = rec.AssetTag, rec.Name
	meta := map[string]string{"siteName": st.Name, "siteArn": p.arn("site", st.ID)}
	p.publish(newID(""), detailType, []string{p.arn("device-instance", rec.ID)}, meta, data)
}

// userEvent publishes an enrollment or un-enrollment.
func (p *publisher) userEvent(detailType string, pr profile, source string) {
	ids, _ := json.Marshal([]map[string]string{{"associatedIdType": "badge", "associatedIdValue": pr.Badge}})
	p.publish(newID(""), detailType, []string{p.arn("user", pr.ID)}, nil, map[string]any{
		"accountId": p.account, "enrollmentSource": source, "createdTimestamp": pr.Created.UTC().Format(time.RFC3339),
		"userStatus": pr.Status, "associatedIds": string(ids),
	})
}

// deviceEvent republishes an event a reader delivered (recognitions,
// enrollment outcomes) under the reader's own event ID.
func (p *publisher) deviceEvent(ev api.Event, rec instanceRecord) {
	var data map[string]any
	if len(ev.Data) > 0 {
		_ = json.Unmarshal(ev.Data, &data)
	}
	if data == nil {
		data = map[string]any{}
	}
	data["assetTagId"], data["deviceInstanceName"] = rec.AssetTag, rec.Name
	p.publish(ev.ID, ev.Type, []string{p.arn("device-instance", rec.ID)}, nil, data)
}
