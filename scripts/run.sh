#!/usr/bin/env bash
# `make run`: the whole appliance in simulation. Starts the reference
# service (cmd/devcloud) on 127.0.0.1:8443, creates a site, a configuration
# template and a device instance on first run, writes the instance's
# activation QR code to var/activation.png, then runs palmd on simulated
# hardware (GPIO, the door panel on a pty) until Ctrl-C.
#
# READERS=2 adds an enrollment desk in the same site: a second device
# instance configured for enrollment (var/activation-desk.png) and a
# second palmd (configs/simulator-desk.toml), each with its own page.
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/simulator.toml}
readers=${READERS:-1}
dc="bin/devcloud --dir var/devcloud"
mkdir -p var
bin/devcloud serve --dir var/devcloud --addr 127.0.0.1:8443 >>var/devcloud.log 2>&1 &
dcpid=$!
trap 'kill $dcpid 2>/dev/null; wait $dcpid 2>/dev/null' EXIT
for _ in $(seq 100); do
  $dc GET /manage/sites >/dev/null 2>&1 && break
  kill -0 $dcpid 2>/dev/null || { echo "devcloud did not start; see var/devcloud.log" >&2; exit 1; }
  sleep 0.1
done
field() { sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p" | head -1; }
if [ ! -s var/devcloud/instance ]; then
  site=$($dc site create "Headquarters" --line1 "1 Main Street" --city Springfield --country US | field siteId)
  tmpl=$($dc template create "Entry over OSDP" | field templateId)
  inst=$($dc instance create "Front door" --site "$site" | field deviceInstanceId)
  $dc instance configure "$inst" --template "$tmpl" >/dev/null
  echo "$inst" >var/devcloud/instance
fi
inst=$(cat var/devcloud/instance)
$dc qr "$inst" --png var/activation.png >/dev/null || true
if [ "$readers" = 2 ]; then
  if [ ! -s var/devcloud/desk ]; then
    site=$($dc GET "/manage/instances/$inst" | field siteId)
    cat >var/desk-config.json <<'JSON'
{"version":1,"mode":"enrollment","panel":{"protocol":"wiegand","wiegand_pulse_us":50,"wiegand_interval_us":2000},
 "badge":{"format":"h10301"},"relay":{"follow":"grant","unlock":"3s","gpo":"off"},"decision_timeout":"5s","language":"en",
 "enrollment":{"hands":"both","captures":3}}
JSON
    tmpl=$($dc template create "Enrollment desk" --config var/desk-config.json | field templateId)
    desk=$($dc instance create "Enrollment desk" --site "$site" | field deviceInstanceId)
    $dc instance configure "$desk" --template "$tmpl" >/dev/null
    echo "$desk" >var/devcloud/desk
  fi
  desk=$(cat var/devcloud/desk)
  $dc qr "$desk" --png var/activation-desk.png >/dev/null || true
  bin/palmd -config configs/simulator-desk.toml -ui 127.0.0.1:8081 >>var/palmd-desk.log 2>&1 &
  deskpid=$!
  trap 'kill $deskpid $dcpid 2>/dev/null; wait $deskpid $dcpid 2>/dev/null' EXIT
  cat <<MSG

  Enrollment desk: http://127.0.0.1:7071/  (log var/palmd-desk.log; activate it with
  var/activation-desk.png). Enrol: tap "Get started", "Scan the badge" 12:3456 on its
  page (or bin/palmctl sim --addr 127.0.0.1:7071 badge 12:3456), OK, I agree, then hold
  person 7's right hand, take it away, hold the left (sim palm 7 --hand left). At the
  door (http://127.0.0.1:7070/) hold person 7's hand: granted once the door has synced.
MSG
fi
cat <<MSG

  Open http://127.0.0.1:7070/  the reader's screen beside the simulator's controls.

first boot:   tap the screen, choose Ethernet (or Wi-Fi "Headquarters", password palm-reader-1)
activate:     pick var/activation.png on the page and show it to the camera (valid 15 min;
              a new one: bin/devcloud --dir var/devcloud qr $inst --png var/activation.png)
play:         the page's buttons, or the same from a shell: bin/palmctl sim help
devcloud:     log var/devcloud.log, events var/devcloud/events.jsonl, keys var/devcloud/{admin,readonly,installer}.key
Wiegand:      bin/devcloud --dir var/devcloud PUT /manage/instances/$inst/configuration \\
                '{"configuration":{"mode":"entry","panel":{"protocol":"wiegand","wiegand_pulse_us":50,"wiegand_interval_us":2000},"badge":{"format":"h10306"},"relay":{"follow":"grant","unlock":"3s","gpo":"off"},"decision_timeout":"5s","language":"en"}}'

MSG
bin/palmd -config "$config" -ui 127.0.0.1:8080
