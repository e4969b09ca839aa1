import Fleet
import CollectorWorker

await WorkerRuntime.main(CollectorWorker.definition)
