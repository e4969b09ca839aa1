import Fleet
import RetrierWorker

await WorkerRuntime.main(RetrierWorker.definition)
