use extract::Extract;

#[derive(Extract)]
struct Code {
    #[extract(pattern = "[A-Z")]
    code: String,
}

fn main() {}
