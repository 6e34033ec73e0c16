//! A Ballista scheduler and executor run by this binary, so one program starts a whole cluster.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

/// Runs a scheduler listening on `bind` (port 0: any free port) until the process stops. Its
/// address is printed once it listens: `folio-cluster: scheduler at df://ADDR`. Its state (jobs,
/// executors) is kept in memory: a restarted scheduler starts empty, and executors register
/// again.
pub async fn scheduler(bind: SocketAddr) -> Result<()> {
    let listener =
        tokio::net::TcpListener::bind(bind).await.with_context(|| format!("scheduler: cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let config = SchedulerConfig {
        bind_host: addr.ip().to_string(),
        external_host: addr.ip().to_string(),
        bind_port: addr.port(),
        ..SchedulerConfig::default()
    };
    config.validate()?;
    let cluster = BallistaCluster::new_from_config(&config).await?;
    let scheduler = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config)).await?;
    println!("folio-cluster: scheduler at df://{addr}");
    start_grpc_service_with_listener(listener, scheduler).await?;
    Ok(())
}

/// Where an executor listens and which scheduler it serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's address (`host:port`).
    pub scheduler: (String, u16),
    /// The address it serves shuffle data on (Arrow Flight) to other executors and the client.
    pub bind: SocketAddr,
    /// The host name or address others reach it by; `None`: the address it listens on, or, when
    /// that is unspecified (`0.0.0.0`), the address the scheduler sees its registration from.
    pub external_host: Option<String>,
    /// Its gRPC port (push-based scheduling).
    pub grpc_port: u16,
    /// Task slots (0: one per core).
    pub slots: usize,
    /// Bytes its queries' operators may hold together (DataFusion's memory pool, shared by its
    /// slots); `None`: 70 % of the machine's memory, Ballista's default.
    pub memory: Option<u64>,
    /// Where shuffle files go (default: a temporary directory, removed at exit).
    pub work_dir: Option<String>,
}

/// Runs an executor until the process stops (SIGTERM or Ctrl-C: it leaves the scheduler first).
// The configuration has a private field: it cannot be built with `..Default::default()`.
#[allow(clippy::field_reassign_with_default)]
pub async fn executor(options: ExecutorOptions) -> Result<()> {
    let mut config = ExecutorProcessConfig::default();
    config.scheduler_host = options.scheduler.0.clone();
    config.scheduler_port = options.scheduler.1;
    config.bind_host = options.bind.ip().to_string();
    config.external_host = options
        .external_host
        .clone()
        .or_else(|| (!options.bind.ip().is_unspecified()).then(|| options.bind.ip().to_string()));
    config.port = options.bind.port();
    config.grpc_port = options.grpc_port;
    config.vcores = options.slots;
    config.memory_pool_size = options.memory;
    config.work_dir = options.work_dir.clone();
    config.print_thread_info = false;
    println!(
        "folio-cluster: executor {} at {}, scheduler {}:{}",
        config.executor_id, options.bind, options.scheduler.0, options.scheduler.1
    );
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}
