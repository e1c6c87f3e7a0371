use extract::Extract;

#[derive(Extract)]
#[extract(atomic)]
struct Post {
    title: String,
}

fn main() {}
