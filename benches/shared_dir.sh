# Sourced by the bench scripts: sets SHARED to the workplace's shared/ folder (reference data and
# the scoring tools), looked for beside the repository and up to two levels above it; empty when
# there is none (a clone on its own).
SHARED=""
for _d in "$ROOT/.." "$ROOT/../.." "$ROOT/../../.."; do
    if [ -d "$_d/shared/tools" ]; then SHARED=$(cd "$_d/shared" && pwd); break; fi
done
unset _d
