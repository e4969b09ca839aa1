import Fleet
import CollectorWorker

CollectorWorker.checkEnvironment()
await WorkerRuntime.main(CollectorWorker.definition)
