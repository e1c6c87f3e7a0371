use extract::Extract;

fn positive(value: &i64) -> Result<(), String> {
    if *value > 0 {
        Ok(())
    } else {
        Err("must be positive".into())
    }
}

#[derive(Extract)]
struct Order {
    #[extract(validate = positive)]
    quantity: u32,
}

fn main() {}
