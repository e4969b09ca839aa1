import Fleet
import AccountingSyncWorker

await WorkerRuntime.main(AccountingSyncWorker.definition)
