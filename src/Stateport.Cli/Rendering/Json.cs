using System.Text.Encodings.Web;
using System.Text.Json;

namespace Stateport.Cli.Rendering;

internal static class Json
{
    /// <summary>Indented; only what JSON requires is escaped (paths keep their '+' and non-ASCII readable).</summary>
    public static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Write a document to the context's output as one block.</summary>
    public static void Write(CliContext context, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }
        context.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
