use extract::Extract;

#[derive(Extract)]
#[serde(untagged)]
enum Value {
    Text(String),
    Number(f64),
}

fn main() {}
