import Fleet
import SchedulerWorker

await WorkerRuntime.main(SchedulerWorker.definition)
