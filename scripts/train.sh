#!/usr/bin/env bash
# Trains the Rasa model only when the config, domain, training data or custom components changed.
# The model is named after a hash of its inputs: models/chat-pak-polisi-<hash>.tar.gz.
#   scripts/train.sh            train if stale, print the model path on the last line
#   scripts/train.sh --path     only print the path the current inputs map to
#   FORCE=1 scripts/train.sh    train even if a model exists
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what training reads: credentials.yml and endpoints are run-time settings, not model inputs.
inputs=(rasa_project/config.yml rasa_project/domain data nlu_components)
hash=$(find "${inputs[@]}" -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.json' \) \
         -not -path '*/__pycache__/*' 2>/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
name="chat-pak-polisi-$hash"
model="models/$name.tar.gz"
if [ "${1:-}" = "--path" ]; then echo "$model"; exit 0; fi
mkdir -p models var
exec 9>var/train.lock
if ! flock -n 9; then echo "==> another training is running; waiting for it"; flock 9; fi
if [ -f "$model" ] && [ -z "${FORCE:-}" ]; then
  echo "==> model is up to date: $model"
  echo "$model"; exit 0
fi
echo "==> training $model (data, domain or config changed; a few minutes on 2 cores)"
start=$(date +%s)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 \
       PYTHONWARNINGS="ignore::DeprecationWarning"   # library deprecation noise, not ours
mkdir -p var/logs   # rasa's exit status survives the tee: set -o pipefail at the top
.venv/rasa/bin/rasa train --config rasa_project/config.yml --domain rasa_project/domain \
  --data data --out models --fixed-model-name "$name" --num-threads 2 2>&1 | tee var/logs/train.log
secs=$(( $(date +%s) - start ))
# A training that restored the classifier from Rasa's component cache took seconds; only one that
# trained it tells how long a training on a fresh machine takes (scripts/bench.py reads this).
classifier_trained=false
if grep -q "Finished training component '[A-Za-z.]*DIETClassifier'" var/logs/train.log; then
  classifier_trained=true
fi
echo "==> trained in ${secs} s: $model ($(du -h "$model" | cut -f1)); classifier trained: $classifier_trained"
printf '{"model": "%s", "train_seconds": %d, "classifier_trained": %s, "size_bytes": %d, "finished": "%s"}\n' \
  "$model" "$secs" "$classifier_trained" "$(stat -c %s "$model")" "$(date -Is)" > models/last-train.json
# keep the newest three models
ls -1t models/chat-pak-polisi-*.tar.gz | tail -n +4 | xargs -r rm -f
echo "$model"
