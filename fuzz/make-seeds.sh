#!/usr/bin/env bash
# Builds the committed seed corpus (fuzz/seeds/TARGET/) from the files in data/ and a few
# hand-made rows. Targets that read several files take them joined by a 0xff byte; targets
# that run several loaders take a first byte choosing the loader (see fuzz/src/lib.rs).
# Rerun after data/ changes: `bash fuzz/make-seeds.sh`.
set -euo pipefail
cd "$(dirname "$0")"
D=../data
S=seeds
rm -rf "$S"
mkdir -p "$S"
ff=$'\xff'
put() { # put TARGET NAME [PREFIX-BYTE] FILE...  (files joined by 0xff)
    local target=$1 name=$2 prefix=$3
    shift 3
    mkdir -p "$S/$target"
    {
        [ -n "$prefix" ] && printf "\\x$(printf %02x "$prefix")"
        local first=1
        for f in "$@"; do
            [ $first = 1 ] || printf '\xff'
            first=0
            cat "$f"
        done
    } > "$S/$target/$name"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

put framework_csv caict "" $D/caict-2025/framework.csv
put framework_csv cohort "" $D/cohort-index/framework.csv
: > "$tmp/empty"
put observations_csv caict "" "$tmp/empty" $D/caict-2025/observations.csv
put observations_csv caict-own "" $D/caict-2025/framework.csv $D/caict-2025/observations.csv
printf 'indicator,unit,year,value\ntotal_x,CN,2020,1e306\ntotal_x,CN,2021,-1e306\n' > "$tmp/huge"
printf 'id,parent,weight,direction\ntotal,,,1\ntotal_x,total,1,1\n' > "$tmp/fw"
put observations_csv huge "" "$tmp/fw" "$tmp/huge"

cat > "$tmp/firms.csv" <<'CSV'
uscc,name,founded,year,revenue_yuan,staff,rd_ratio
91110000600037341L,北京甲科技有限公司,2015-01-01,2024,1000000,20,0.05
91330101589882738D,杭州乙数据有限公司,2018-06-01,2023,2500000.50,45,
91330101589882738D,杭州乙数据有限公司,2018-06-01,2024,3000000,50,0.08
CSV
put registry_import firms "" "$tmp/firms.csv"
printf 'uscc,name,founded,year,revenue_yuan\n91110000600037341l, 北京甲科技有限公司 ,2015-01-01,2025,1234567890123456789012345678901\n' > "$tmp/long.csv"
put registry_import long-revenue "" "$tmp/long.csv"

for code in 91110000600037341L 91330101589882738D 91310110666007217T 91310110666007217A 9131011066600721 ' 91330101589882738d ' 110000 330100; do
    mkdir -p "$S/uscc"
    printf '%s' "$code" > "$S/uscc/$(printf '%s' "$code" | tr -c 'A-Za-z0-9' _)"
done

for f in $D/vouchers/*.toml $D/cycle/*.toml; do
    put program_toml "$(basename "$f" .toml)" "" "$f"
done

for set in sandbox enforcement inspection benefits; do
    put rules_toml "$set" "" $D/rules/$set/rules.toml
done
printf 'minor = true\n' > "$tmp/facts.toml"
put rules_toml sandbox-facts "" $D/rules/sandbox/rules.toml "$tmp/facts.toml"

put rule_tables violations 1 $D/rules/enforcement/violations-example.csv
put rule_tables plan 2 $D/rules/inspection/plan-example.csv
k=4
for set in sandbox enforcement inspection benefits; do
    put rule_tables "cases-$set" $k $D/rules/$set/cases.toml
    k=$((k + 1))
done

cat > "$tmp/jobs.csv" <<'CSV'
id,firm,kind,submit_s,duration_s,cards,cores,declared_s,deadline_s,latency_ms_max,residency,budget,voucher_coverage
j1,91110000600037341L,training,0,3600,8,0,,,,,,0.5
j2,91330101589882738D,inference,60,600,1,4,700,4000,30,,,0
CSV
put jobs_csv jobs "" "$tmp/jobs.csv"
put alibaba_trace sample "" $D/compute/alibaba-sample/pai_job_table.csv $D/compute/alibaba-sample/pai_task_table.csv

put settings_toml criteria-2022 0 $D/registry/criteria-cn-2022.toml
put settings_toml criteria-2026 0 $D/registry/criteria-cn-2026.toml
put settings_toml tier-policy 1 $D/registry/tier-policy.toml
put settings_toml catalog 2 $D/compute/catalog.toml
put settings_toml scenarios 3 $D/supervision/scenarios.toml

E=$D/scenario-market/example
put scenario_market market 0 $E/scenarios.csv $E/offers.csv
put scenario_market offers 1 $E/offers.csv
put scenario_market capacities 4 $E/capacities.csv
put scenario_market firms 5 $E/firms.csv
put scenario_market outcomes 6 $E/outcomes.csv
put scenario_market tasks 7 $E/tasks.toml
put scenario_market bids 8 $E/bids.csv
put scenario_market scores 9 $E/scores.csv
put scenario_market applications 10 $E/applications.csv
put scenario_market procurement-bids 11 $E/procurement-bids.csv
put scenario_market purchases 12 $E/purchases.csv
put scenario_market matching 13 $D/scenario-market/matching.toml
put scenario_market catalogue-rules 14 $D/scenario-market/catalogue-rules.toml
put scenario_market preferences 15 $D/scenario-market/procurement-preferences.toml

cat > "$tmp/facts.csv" <<'CSV'
uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y
91110000600037341L,2024,2015-01-01,growth,software,20,1000000,800000,100000,0.4,false
91330101589882738D,2024,2018-06-01,none,data,,2500000,,,,
CSV
cat > "$tmp/evidence.csv" <<'CSV'
uscc,date,category,amount_yuan,provider,contract_id,source,verified
91330101589882738D,2025-01-15,cloud_compute,120000.00,aliyun,C1,voucher_redemption,true
91330101589882738D,2025-02-20,cloud_compute,10000,aliyun,C3,declared,false
CSV
cat > "$tmp/holdings.csv" <<'CSV'
fund,state_owned,uscc,invested_on,amount_yuan
sv-1,true,91330101589882738D,2021-05-01,10000000
pe-2,false,91110000600037341L,2024-01-01,3000000
CSV
put finance scorecard-facts 0 $D/finance/scorecard-2025.toml "$tmp/facts.csv"
put finance shipped-facts 0 "$tmp/empty" "$tmp/facts.csv"
put finance appetites 1 $D/finance/appetites-example.toml
put finance product 2 $D/finance/yunliangdai-2025.toml
put finance simulation 3 $D/finance/simulation-2025.toml
put finance facts 4 "$tmp/facts.csv"
put finance evidence 5 "$tmp/evidence.csv"
put finance holdings 6 "$tmp/holdings.csv"
echo "seeds: $(find "$S" -type f | wc -l) files in $(ls "$S" | wc -l) targets"
