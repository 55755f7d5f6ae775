using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Viewer.Tests.Support;

/// <summary>
/// Debian's Chromium driven by Debian's chromedriver (packages chromium and chromium-driver), given by path so
/// Selenium never looks for or downloads a browser. Fresh profile per session, deleted afterwards.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string Browser = "/usr/bin/chromium", Driver = "/usr/bin/chromedriver";

    private readonly string _profile = TestPaths.NewTempDirectory("resif-chromium");

    public HeadlessChromium()
    {
        if (!File.Exists(Browser) || !File.Exists(Driver))
            throw new InvalidOperationException($"{Browser} and {Driver} are needed: apt-get install chromium chromium-driver");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", $"--user-data-dir={_profile}", "--window-size=1600,1300",
            "--force-device-scale-factor=1");
        Session = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }

    public ChromeDriver Session { get; }

    public IWebElement Find(string id) => Session.FindElement(By.Id(id));

    /// <summary>Waits until the page has no request in flight (body[data-pending] = 0) and <paramref name="ready"/> holds.</summary>
    public void WaitSettled(Func<bool>? ready = null, string what = "the page")
    {
        // A generous bound against hangs, not a performance assertion.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Session.ExecuteScript("return document.body.dataset.pending") as string == "0" && (ready?.Invoke() ?? true)) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"{what} did not settle within 60 s");
    }

    public void SetInput(string id, string value) => SetInput(Find(id), value);

    public void SetInput(IWebElement input, string value)
    {
        input.Clear();
        input.SendKeys(value);
    }

    public Png Screenshot(string id, string? saveAs = null)
    {
        var element = Find(id);
        Session.ExecuteScript("arguments[0].scrollIntoView()", element);
        var shot = ((ITakesScreenshot)element).GetScreenshot();
        Save(shot, saveAs);
        return Png.Decode(shot.AsByteArray);
    }

    public void SavePage(string name) => Save(Session.GetScreenshot(), name);

    // For a person to look at: written where RESIF_VIEWER_SCREENSHOTS points, when set.
    private static void Save(Screenshot shot, string? name)
    {
        string? folder = Environment.GetEnvironmentVariable("RESIF_VIEWER_SCREENSHOTS");
        if (name is null || folder is null) return;
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, name), shot.AsByteArray);
    }

    public void Dispose()
    {
        Session.Quit();
        Session.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's helpers may still be closing files in the profile; a leftover temp folder is harmless.
        }
    }
}
