import Fleet
import ReconcilerWorker

await WorkerRuntime.main(ReconcilerWorker.definition)
