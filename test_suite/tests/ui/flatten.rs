use extract::Extract;

#[derive(Extract)]
struct Meta {
    source: String,
}

#[derive(Extract)]
struct Doc {
    title: String,
    #[serde(flatten)]
    meta: Meta,
}

fn main() {}
