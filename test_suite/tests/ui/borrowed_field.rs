use extract::Extract;

#[derive(Extract)]
struct User<'a> {
    name: &'a str,
}

fn main() {}
