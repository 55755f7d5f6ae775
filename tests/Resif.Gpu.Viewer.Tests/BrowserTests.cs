using System.Globalization;
using OpenQA.Selenium;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Viewer.Tests.Support;
using Xunit.Abstractions;

namespace Resif.Gpu.Viewer.Tests;

/// <summary>The page in a real headless Chromium against a real server holding the synthetic demo scene.</summary>
public sealed class BrowserTests(ViewerServer fixture, ITestOutputHelper output) : IClassFixture<ViewerServer>
{
    [Fact]
    public void Catalog_zoom_and_bandpass_show_the_plane_wave_at_its_velocity()
    {
        using var chrome = new HeadlessChromium();
        chrome.Session.Navigate().GoToUrl(fixture.Server.WebUrl + "/");
        chrome.WaitSettled(() => chrome.Session.FindElements(By.CssSelector("#catalog tbody tr")).Count > 0, "the catalog");

        var row = chrome.Session.FindElement(By.CssSelector("#catalog tbody tr[data-name='demo']"));
        var cells = row.FindElements(By.TagName("td")).Select(c => c.Text).ToArray();
        Assert.Equal(["demo", "96 × 4000", "8 s", "0 – 380 m", "strain_rate", "1.5 MB"], cells);

        row.Click();
        chrome.WaitSettled(() => chrome.Find("raw").GetAttribute("data-plot") is not null, "the raw view");
        Assert.Equal(("0", "96", "0", "8"), Window(chrome));

        // A window around the forward wave's first train, then one zoom step: halves both spans about the centre.
        chrome.SetInput("t0", "0.4");
        chrome.SetInput("t1", "2");
        chrome.Find("go").Click();
        chrome.WaitSettled();
        chrome.Find("zoom-in").Click();
        chrome.WaitSettled();
        Assert.Equal(("24", "72", "0.8", "1.6"), Window(chrome));

        chrome.Find("op-add").Click();
        Assert.Equal("bandpass", chrome.Session.FindElement(By.CssSelector("#steps li")).GetAttribute("data-op"));
        chrome.Find("apply").Click();
        chrome.WaitSettled(() => chrome.Find("result").GetAttribute("data-plot") is not null, "the pipeline result");
        Assert.False(chrome.Find("error").Displayed, chrome.Find("error").Text);
        Assert.Contains("sent", chrome.Find("result-info").Text);
        chrome.SavePage("page-bandpass.png");

        var raw = chrome.Screenshot("raw", "raw-zoomed.png");
        var filtered = chrome.Screenshot("result", "bandpass-zoomed.png");
        var plot = PlotArea(chrome, "result");
        double velocity = ApparentVelocity(filtered, plot, seconds: 1.6 - 0.8, metres: 48 * ViewerServer.Scene.ChannelSpacing);
        output.WriteLine($"apparent velocity read from the screenshot: {velocity:F0} m/s");
        // Peak picking on 8 Hz wavelets drawn as 400 cells over the plot width: a few percent at most.
        Assert.InRange(velocity, 0.95 * SyntheticScenes.DemoForwardVelocity, 1.05 * SyntheticScenes.DemoForwardVelocity);

        // The bandpass removes the 0.2 Hz drift and most of the broadband noise: the background fades to white.
        double rawBackground = MedianIntensity(raw, PlotArea(chrome, "raw")), filteredBackground = MedianIntensity(filtered, plot);
        output.WriteLine($"median background intensity: raw {rawBackground:F0}, bandpassed {filteredBackground:F0}");
        Assert.True(filteredBackground < 0.5 * rawBackground, $"raw {rawBackground}, bandpassed {filteredBackground}");

        chrome.Find("copy-python").Click();
        Assert.StartsWith("import resif_gpu", chrome.Find("snippet").Text);
        Assert.Contains("client.reduce(\"demo\", [\"bandpass:", chrome.Find("snippet").Text);
        chrome.Find("copy-cli").Click();
        Assert.StartsWith("resif-gpu reduce demo --server " + fixture.Server.Url, chrome.Find("snippet").Text);

        // A click in the middle of the raw view shows the trace of the channel in the middle of the 24–72 window.
        new OpenQA.Selenium.Interactions.Actions(chrome.Session).MoveToElement(chrome.Find("raw")).Click().Perform();
        chrome.WaitSettled(() => chrome.Find("trace-info").Text.Length > 0, "the trace");
        var traceWords = chrome.Find("trace-info").Text.Split(' ');
        Assert.Equal("channel", traceWords[0]);
        Assert.InRange(int.Parse(traceWords[1], CultureInfo.InvariantCulture), 46, 50);
        chrome.Screenshot("trace", "trace.png");

        // A server error is shown with the field to fix.
        chrome.SetInput(chrome.Session.FindElement(By.CssSelector("#steps [data-param='freqmax']")), "400");
        chrome.Find("apply").Click();
        chrome.WaitSettled(() => chrome.Find("error").Displayed, "the error");
        Assert.Contains("operations[0].freqmax", chrome.Find("error").Text);

        // The FK spectrum of the whole array decimated to 50 Hz, with velocity lines, for a person to look at.
        chrome.Find("clear").Click();
        foreach (string operation in new[] { "decimate", "fk" })
        {
            chrome.Session.FindElement(By.CssSelector($"#op-choice option[value='{operation}']")).Click();
            chrome.Find("op-add").Click();
        }
        chrome.Find("reset").Click();
        chrome.WaitSettled();
        chrome.Find("apply").Click();
        chrome.WaitSettled();
        Assert.False(chrome.Find("error").Displayed, chrome.Find("error").Text);
        chrome.SavePage("page-fk.png");
    }

    private static (string, string, string, string) Window(HeadlessChromium chrome) =>
        (chrome.Find("ch0").GetAttribute("value")!, chrome.Find("ch1").GetAttribute("value")!, chrome.Find("t0").GetAttribute("value")!, chrome.Find("t1").GetAttribute("value")!);

    private static (int Left, int Top, int Width, int Height) PlotArea(HeadlessChromium chrome, string canvas)
    {
        var p = chrome.Find(canvas).GetAttribute("data-plot")!.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (p[0], p[1], p[2], p[3]);
    }

    // How far a pixel is from white: 0 for x = 0, 765 for a clipped peak (either sign) in the blue-white-red scale.
    private static int Intensity(Png png, int x, int y)
    {
        var (r, g, b) = png[x, y];
        return 765 - r - g - b;
    }

    /// <summary>
    /// Picks the wave on every pixel row (the centroid of the pixels within 80 % of the row's strongest), fits a line
    /// column = a + slope * row, and turns the slope into metres per second with the window's extent.
    /// </summary>
    private static double ApparentVelocity(Png png, (int Left, int Top, int Width, int Height) plot, double seconds, double metres)
    {
        var rows = new List<(double Row, double Column)>();
        for (int y = 1; y < plot.Height - 1; y++)
        {
            var line = Enumerable.Range(1, plot.Width - 2).Select(x => (X: x, I: Intensity(png, plot.Left + x, plot.Top + y))).ToArray();
            int strongest = line.Max(p => p.I);
            var picked = line.Where(p => p.I >= 0.8 * strongest).ToArray();
            rows.Add((y, picked.Average(p => (double)p.X)));
        }
        double meanRow = rows.Average(p => p.Row), meanColumn = rows.Average(p => p.Column);
        double slope = rows.Sum(p => (p.Row - meanRow) * (p.Column - meanColumn)) / rows.Sum(p => (p.Row - meanRow) * (p.Row - meanRow));
        double secondsPerColumn = seconds / plot.Width, metresPerRow = metres / plot.Height;
        return metresPerRow / (slope * secondsPerColumn);
    }

    private static double MedianIntensity(Png png, (int Left, int Top, int Width, int Height) plot)
    {
        var all = new List<int>();
        for (int y = 1; y < plot.Height - 1; y++)
            for (int x = 1; x < plot.Width - 1; x++) all.Add(Intensity(png, plot.Left + x, plot.Top + y));
        all.Sort();
        return all[all.Count / 2];
    }
}

/// <summary>Against a server that needs a token: the page says so, and works once the token is entered.</summary>
public sealed class BrowserTokenTests(TokenViewerServer fixture) : IClassFixture<TokenViewerServer>
{
    [Fact]
    public void Page_asks_for_the_token_then_shows_the_catalog()
    {
        using var chrome = new HeadlessChromium();
        chrome.Session.Navigate().GoToUrl(fixture.Server.WebUrl + "/");
        chrome.WaitSettled(() => chrome.Find("error").Displayed, "the token error");
        Assert.Contains("401: token", chrome.Find("error").Text);

        chrome.SetInput("token", TokenViewerServer.Token);
        chrome.Find("token-apply").Click();
        chrome.WaitSettled(() => chrome.Session.FindElements(By.CssSelector("#catalog tbody tr")).Count > 0, "the catalog");
        Assert.False(chrome.Find("error").Displayed);
    }
}
