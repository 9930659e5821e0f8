#!/bin/sh
# The cost of --live: the same run with and without it, alternating, each in an 80x24 tmux
# pane (so both have a terminal: without --live it shows the progress bar). Prints each run's
# summary line (wall time of the run, µs per training step) and its CPU time (user+sys). The
# live run gets q when it shows its final state.
#   N=5 bench/live_overhead.sh        (BIN: the binary, default ./target/release/curvegan)
BIN=$(realpath ${BIN:-./target/release/curvegan})
D=$(mktemp -d)
run() { # NAME EXTRA-OPTION
  rm -rf "$D/$1" "$D/t.txt"
  tmux -L lvbench -f /dev/null new-session -d -x 80 -y 24 -s b \
    "/usr/bin/time -o $D/t.txt -f '%U+%S' $BIN train $2 --steps 50001 --plot-every 1000 --out $D/$1 > $D/$1.txt; sleep 9"
  if [ -n "$2" ]; then
    until tmux -L lvbench capture-pane -p -t b 2>/dev/null | grep -q 'press q to close'; do sleep 0.2; done
    tmux -L lvbench send-keys -t b q
  fi
  until [ -s "$D/t.txt" ]; do sleep 0.2; done
  tmux -L lvbench kill-server
  printf '%-5s %s: %s  cpu %s s\n' "$1" "$i" "$(grep 'steps in' "$D/$1.txt")" "$(cat "$D/t.txt")"
}
for i in $(seq "${N:-5}"); do
  run plain ""
  run live --live
done
rm -rf "$D"
