using BenchmarkDotNet.Running;
using Resif.Gpu.Bench;

// bdn [BenchmarkDotNet args]   micro-benchmarks (FilterBenchmarks, SpectralBenchmarks, StorageBenchmarks)
// side-by-side [options]       our half of bench/side-by-side.sh (see SideBySide.Usage)
// store-read | store-write ... TileDB-engine whole-array throughput per filter pipeline (see StorageThroughput)
// filter-survey [options] F.npy compression ratio and read/write speed per filter pipeline on real data (see FilterSurvey)
// ingest [files] [template]    many-file vendor ingest throughput (see IngestBench)
// scaling [options]            time vs channels, samples, slownesses, FFT length (see Scaling.Usage)
// make-array STORE NAME C S    a large synthetic array written in bounded blocks (bench/rss-10gb.sh)
// sos-steps [options]          single-thread CPU ns/sample of the SOS filters vs the bare kernel (see SosSteps)
// device [options]             GPU figures of issue 6: copy, resident chain, end to end, CPU backend (see DeviceBench)
return args.FirstOrDefault() switch
{
    "bdn" => RunBenchmarkDotNet(args[1..]),
    "side-by-side" => await SideBySide.RunAsync(args[1..]),
    "store-read" => StorageThroughput.Read(args[1..]),
    "store-write" => StorageThroughput.Write(args[1..]),
    "filter-survey" => FilterSurvey.Run(args[1..]),
    "ingest" => await IngestBench.RunAsync(args[1..]),
    "scaling" => Scaling.Run(args[1..]),
    "make-array" => MakeArray.Run(args[1..]),
    "fk-steps" => FkSteps.Run(args[1..]),
    "sos-steps" => SosSteps.Run(args[1..]),
    "device" => DeviceBench.Run(args[1..]),
    _ => Usage(),
};

static int RunBenchmarkDotNet(string[] arguments)
{
    BenchmarkSwitcher.FromTypes([typeof(FilterBenchmarks), typeof(SpectralBenchmarks), typeof(StorageBenchmarks), typeof(ChecksumBenchmarks)]).Run(arguments);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Resif.Gpu.Bench bdn [--filter '*' ...] | " + StorageThroughput.Usage + " | ingest [files] [template] | scaling " + Scaling.Usage
        + " | make-array " + MakeArray.Usage + " | " + FilterSurvey.Usage + " | side-by-side " + SideBySide.Usage + " | device " + DeviceBench.Usage);
    return 2;
}
