#!/usr/bin/env bash
# `make run`: the whole appliance in simulation. Starts the reference
# service (cmd/devcloud) on 127.0.0.1:8443, creates a site, a configuration
# template and a device instance on first run, writes the instance's
# activation QR code to var/activation.png, then runs palmd on simulated
# hardware (GPIO, the door panel on a pty) until Ctrl-C. With [service]
# slots in the configuration, palmd runs from that A/B pair under
# `palmctl boot` (the simulated bootloader and systemd), which starts it
# again after an installed release exits it, tries the release and rolls
# back; the freshly built bin/palmd becomes the good slot whenever it is
# another build than the one `make run` last put there.
#
# READERS=2 adds an enrollment desk in the same site: a second device
# instance configured for enrollment (var/activation-desk.png) and a
# second palmd (configs/simulator-desk.toml), each with its own page and
# slots.
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/simulator.toml}
readers=${READERS:-1}
dc="bin/devcloud --dir var/devcloud"
mkdir -p var

# reader CONFIG becomes a reader of CONFIG: bin/palmctl boot running
# palmd from the A/B slots the configuration names, or palmd on its own
# without slots (exec, so that a subshell's $! is the reader). Its page's
# address is the configuration's [ui].
reader() {
  local slots
  slots=$(sed -n 's/^slots *= *"\([^"]*\)".*/\1/p' "$1" | head -1)
  if [ -z "$slots" ]; then
    exec bin/palmd -config "$1"
  fi
  exec bin/palmctl boot --slots "$slots" --init bin/palmd --watchdog "${WATCHDOG:-10s}" -- -config "$1"
}

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
  (reader configs/simulator-desk.toml) >>var/palmd-desk.log 2>&1 &
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
slots=$(sed -n 's/^slots *= *"\([^"]*\)".*/\1/p' "$config" | head -1)
[ -n "$slots" ] && cat <<MSG
updates:      palmd runs from the A/B slots in $slots under bin/palmctl boot; try a broken release:
                printf '#!/bin/sh\\nexit 1\\n' >var/broken && chmod +x var/broken
                $dc release publish var/broken --version 0.9.0
              the reader tries it, rolls back by itself and reports it (events: Software Update ...)

MSG
(reader "$config")
