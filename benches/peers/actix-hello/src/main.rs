//! The smallest idiomatic actix-web server answering TechEmpower's /plaintext and /json, with
//! one worker per core (actix's default), for a side-by-side run with folio-server; and
//! `/bytes/{n}`, `n` bytes of a static buffer (400 over 4 MiB), the floor of an answer of that
//! size with no lookup behind it (benches/capacity.sh asks it for the sizes of Folio's `/wiki`
//! answers).

use actix_web::{App, HttpResponse, HttpServer, get, http::header::ContentType, web};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[get("/plaintext")]
async fn plaintext() -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::plaintext()).insert_header(("Server", "actix")).body("Hello, World!")
}

#[get("/json")]
async fn json() -> web::Json<Message> {
    web::Json(Message { message: "Hello, World!" })
}

/// What `/bytes/{n}` answers from.
static FILL: [u8; 4 << 20] = [b'x'; 4 << 20];

#[get("/bytes/{n}")]
async fn bytes(n: web::Path<usize>) -> HttpResponse {
    match FILL.get(..n.into_inner()) {
        Some(fill) => HttpResponse::Ok()
            .content_type(ContentType::xml())
            .insert_header(("Server", "actix"))
            .body(web::Bytes::from_static(fill)),
        None => HttpResponse::BadRequest().body(format!("at most {} bytes", FILL.len())),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18095".into());
    println!("actix-hello at http://{addr}/");
    HttpServer::new(|| App::new().service(plaintext).service(json).service(bytes)).bind(addr)?.run().await
}
