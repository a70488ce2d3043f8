#!/usr/bin/env bash
# fuzz.sh -- builds the libFuzzer targets in tests/fuzz with clang (ASan +
# UBSan) into build/fuzz and runs each for SECONDS (default 60) on its seed
# corpus in tests/fuzz/corpus/<target>. New inputs go to build/fuzz/work, so
# the committed corpus never changes by itself; a crash leaves its input in
# build/fuzz/crashes and fails the run.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (make fuzz; the suite runs it for 3 s each)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$root/build/fuzz"
seconds=${1:-60}
shift || true
mkdir -p "$out/work" "$out/crashes"

cc=${CLANG:-clang}
if ! command -v "$cc" >/dev/null; then
  echo "fuzz: clang is missing (scripts/setup.sh installs it)" >&2
  exit 1
fi

util=("$root"/src/util/{buf,err,utf8,base64,log,units,picture}.c "$root/src/engines/frame.c")
declare -A sources=(
  [fuzz_gguf_reader]="src/models/gguf_reader.c src/models/whisper_file.c"
  [fuzz_audio_decode]="src/audio/audio_decode.c src/audio/audio_encode.c src/audio/memfile.c src/audio/resample.c"
  [fuzz_request_json]="src/core/request.c src/core/request_speech.c src/core/task.c src/core/request_embed.c src/core/request_images.c src/core/settings.c src/app/provider_config.c"
  [fuzz_names]="src/core/model_id.c src/hub/hub_repo.c"
  [fuzz_frame]=""
  [fuzz_stream_encode]="src/api/sse.c"
  [fuzz_upstream_sse]="src/providers/sse_reader.c"
  [fuzz_form]="src/http/server.c src/http/form.c src/http/access.c src/http/conn_limit.c src/http/conn_watch.c src/http/waker.c"
)
libs=(-ljansson -lsndfile -lsamplerate -lcrypto -lmicrohttpd -lpthread -lm)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_gguf_reader fuzz_audio_decode fuzz_request_json fuzz_names fuzz_frame fuzz_stream_encode
           fuzz_upstream_sse fuzz_form)
fi

failed=0
for t in "${targets[@]}"; do
  [ -n "${sources[$t]+x}" ] || { echo "fuzz: unknown target $t" >&2; exit 2; }
  bin="$out/$t"
  files=("$root/tests/fuzz/$t.c" "${util[@]}")
  for f in ${sources[$t]}; do files+=("$root/$f"); done
  # Rebuild when any source or header is newer than the binary.
  if [ ! -x "$bin" ] || [ -n "$(find "$root/src" "$root/tests/fuzz" -newer "$bin" -name '*.[ch]' -print -quit)" ]; then
    "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -D_GNU_SOURCE -std=c17 -I"$root/src" "${files[@]}" "${libs[@]}" -o "$bin"
  fi
  corpus="$root/tests/fuzz/corpus/$t"
  work="$out/work/$t"
  mkdir -p "$work"
  echo "fuzz: $t for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="$out/crashes/$t-" "$work" "$corpus" >"$out/$t.log" 2>&1; then
    echo "fuzz: $t FAILED; its input is in $out/crashes, its log in $out/$t.log" >&2
    tail -30 "$out/$t.log" >&2
    failed=1
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$out/$t.log" | tail -1 || true
  fi
done
exit $failed
