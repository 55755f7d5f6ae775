using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>
/// A fact of the shared <see cref="BackendSuite"/>: skipped, with the reason, when the concrete suite class carries a
/// <see cref="BackendRequirementAttribute"/> that is not met (e.g. no usable CUDA device on this machine).
/// xUnit 2 has no dynamic skip, and the suite's facts are declared once on the abstract class, so the decision is
/// taken at discovery, per concrete class.
/// </summary>
[XunitTestCaseDiscoverer("Resif.Gpu.Core.Tests.Backends.BackendFactDiscoverer", "Resif.Gpu.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>Put on a concrete backend suite: a non-null <see cref="SkipReason"/> skips all its facts.</summary>
[AttributeUsage(AttributeTargets.Class)]
public abstract class BackendRequirementAttribute : Attribute
{
    public abstract string? SkipReason { get; }
}

public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        Type? suite = testMethod.TestClass.Class.ToRuntimeType();
        string? skip = suite?.GetCustomAttributes<BackendRequirementAttribute>(inherit: true)
            .Select(requirement => requirement.SkipReason)
            .FirstOrDefault(reason => reason is not null);
        TestMethodDisplay display = discoveryOptions.MethodDisplayOrDefault();
        TestMethodDisplayOptions displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        yield return skip is null
            ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)
            : new SkippedBackendTestCase(diagnosticMessageSink, display, displayOptions, testMethod, skip);
    }
}

/// <summary>A suite fact skipped because its backend is missing here; the reason survives xUnit's serialisation.</summary>
public sealed class SkippedBackendTestCase : XunitTestCase
{
    private string reason = "";

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedBackendTestCase()
    {
    }

    public SkippedBackendTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod, string reason)
        : base(sink, display, displayOptions, testMethod)
    {
        this.reason = reason;
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => reason;

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("SkipReason", reason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        reason = data.GetValue<string>("SkipReason");
        base.Deserialize(data);
    }
}
