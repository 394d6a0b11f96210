//! Scores one firm through the seams and prints the explanation and the decision, as a program
//! office reads them.
//!
//! Run: `cargo run -p finance --example explain`.

use chrono::NaiveDate;
use finance::{MemoryEvidence, MemoryFacts, Product, Scorecard, evaluate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut csv =
        String::from("uscc,date,category,amount_yuan,provider,contract_id,source,verified\n");
    for m in 1..=12 {
        csv += &format!(
            "91330101589882738D,2025-{m:02}-15,cloud_compute,30000,cloud-a,C{m},voucher_redemption,true\n"
        );
    }
    csv +=
        "91330101589882738D,2025-03-01,digital_equipment,100000,mes-vendor,E1,bank_record,true\n";
    csv +=
        "91330101589882738D,2024-06-01,cloud_compute,300000,cloud-a,C0,voucher_redemption,true\n";
    let mut evidence = MemoryEvidence::new();
    evidence.read_csv(csv.as_bytes(), "spend.csv")?;
    let mut facts = MemoryFacts::new();
    facts.read_csv(
        "uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y\n\
         91330101589882738D,2024,2019-03-01,growth,0301,80,20000000,16000000,1600000,0.35,false\n"
            .as_bytes(),
        "firms.csv",
    )?;
    let product = Product::embedded()?;
    let card = Scorecard::embedded()?;
    let date = NaiveDate::from_ymd_opt(2025, 12, 31).ok_or("date")?;
    let e = evaluate(
        &product,
        &card,
        &evidence,
        &facts,
        "91330101589882738D".parse()?,
        date,
    )?;
    print!("{}\n{}", e.assessment, e.decision);
    Ok(())
}
