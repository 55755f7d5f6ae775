using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Core.Tests.Pipeline;

public class OperationRequestTests
{
    private static readonly ParameterSpec[] Specs =
    [
        ParameterSpec.Number("freq", null, "corner"),
        ParameterSpec.Integer("corners", 4, "order"),
        ParameterSpec.Flag("zerophase", false, "two passes"),
        ParameterSpec.Choice("type", "classic", "kind", "classic", "recursive"),
    ];

    [Fact]
    public void Cli_spec_parses_name_and_parameters()
    {
        var request = OperationRequest.Parse("lowpass: freq=2.5 , corners=2", 0);
        Assert.Equal("lowpass", request.Name);
        Assert.Equal("2.5", request.Parameters["freq"]);
        Assert.Equal("2", request.Parameters["corners"]);
        Assert.Empty(OperationRequest.Parse("abs", 0).Parameters);
    }

    [Theory]
    [InlineData(":freq=1", "operations[3].name")]
    [InlineData("lowpass:freq", "operations[3]")]
    [InlineData("lowpass:freq=1,freq=2", "operations[3].freq")]
    public void Malformed_specs_name_the_field(string spec, string field)
    {
        Assert.Equal(field, Assert.ThrowsAny<InvalidRequestException>(() => OperationRequest.Parse(spec, 3)).Field);
    }

    [Fact]
    public void Parameters_are_normalised_with_defaults_filled_in()
    {
        var set = ParameterSet.Parse(Specs, new Dictionary<string, string> { ["freq"] = "1e1", ["zerophase"] = "YES", ["type"] = "Recursive" }, "operations[0]");
        Assert.Equal(10.0, set.Number("freq"));
        Assert.Equal(4, set.Integer("corners"));
        Assert.True(set.Flag("zerophase"));
        Assert.Equal("recursive", set.Text("type"));
        Assert.Equal(["freq", "corners", "zerophase", "type"], set.Values.Keys);
    }

    [Theory]
    [InlineData("freq", "abc", "operations[1].freq")]
    [InlineData("freq", "NaN", "operations[1].freq")]
    [InlineData("corners", "2.5", "operations[1].corners")]
    [InlineData("zerophase", "maybe", "operations[1].zerophase")]
    [InlineData("type", "fancy", "operations[1].type")]
    [InlineData("bogus", "1", "operations[1].bogus")]
    public void Bad_values_name_the_field(string key, string value, string field)
    {
        var given = new Dictionary<string, string> { ["freq"] = "1", [key] = value };
        Assert.Equal(field, Assert.ThrowsAny<InvalidRequestException>(() => ParameterSet.Parse(Specs, given, "operations[1]")).Field);
    }

    [Fact]
    public void Missing_required_parameter_names_it()
    {
        Assert.Equal("operations[0].freq", Assert.ThrowsAny<InvalidRequestException>(() => ParameterSet.Parse(Specs, new Dictionary<string, string>(), "operations[0]")).Field);
    }

    [Fact]
    public void Unknown_operation_lists_the_known_ones()
    {
        var error = Assert.ThrowsAny<InvalidRequestException>(() => OperationRegistry.Default.Create(new OperationRequest("nope", new Dictionary<string, string>()), 2));
        Assert.Equal("operations[2].name", error.Field);
    }
}
