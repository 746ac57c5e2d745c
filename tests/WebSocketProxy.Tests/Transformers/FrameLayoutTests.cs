using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Transformers;

namespace WebSocketProxy.Tests.Transformers;

public sealed class FrameLayoutTests
{
    private const string Sensor = "version:u8=1, sensor:u16, value:f64, ts:i64";

    internal static byte[] SensorFrame(byte version, ushort sensor, double value, long ts)
    {
        var frame = new byte[19];
        frame[0] = version;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), sensor);
        BinaryPrimitives.WriteDoubleBigEndian(frame.AsSpan(3), value);
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(11), ts);
        return frame;
    }

    private static string? Decode(FrameLayout layout, byte[] frame)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(buffer);
        if (!layout.TryDecode(frame, json))
        {
            return null;
        }

        json.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static byte[]? Encode(FrameLayout layout, string json)
    {
        var frame = new byte[layout.Size];
        return layout.TryEncode(Encoding.UTF8.GetBytes(json), frame) ? frame : null;
    }

    [Fact]
    public void Sensor_DecodeThenEncode_RoundTrips()
    {
        var layout = FrameLayout.Parse(Sensor, bigEndianByDefault: true);
        var frame = SensorFrame(1, 513, 21.5, 1_700_000_000_123);

        var json = Decode(layout, frame);

        layout.Size.Should().Be(19);
        json.Should().Be("""{"version":1,"sensor":513,"value":21.5,"ts":1700000000123}""");
        Encode(layout, json!).Should().Equal(frame);
    }

    [Fact]
    public void Encode_ConstantMayBeOmitted_OtherPropertiesIgnored_OrderFree()
    {
        var layout = FrameLayout.Parse(Sensor, bigEndianByDefault: true);

        Encode(layout, """{"ts":1700000000123,"note":{"x":[1]},"value":21.5,"sensor":513}""").Should().Equal(SensorFrame(1, 513, 21.5, 1_700_000_000_123));
    }

    [Theory]
    [InlineData("""{"version":2,"sensor":1,"value":1,"ts":1}""")] // wrong constant
    [InlineData("""{"version":1,"value":1,"ts":1}""")] // missing field
    [InlineData("""{"version":1,"sensor":70000,"value":1,"ts":1}""")] // out of range for u16
    [InlineData("""{"version":1,"sensor":-1,"value":1,"ts":1}""")] // negative unsigned
    [InlineData("""{"version":1,"sensor":1.5,"value":1,"ts":1}""")] // not an integer
    [InlineData("""{"version":1,"sensor":"1","value":1,"ts":1}""")] // not a number
    [InlineData("""[1,2,3]""")]
    [InlineData("""{"version":1,"sensor":1,"value":1,"ts":1} x""")]
    public void Encode_JsonThatDoesNotFit_Malformed(string json)
        => Encode(FrameLayout.Parse(Sensor, bigEndianByDefault: true), json).Should().BeNull();

    [Fact]
    public void Decode_WrongLengthOrVersion_Malformed()
    {
        var layout = FrameLayout.Parse(Sensor, bigEndianByDefault: true);
        var frame = SensorFrame(1, 1, 1, 1);

        Decode(layout, frame[..18]).Should().BeNull();
        Decode(layout, [.. frame, 0]).Should().BeNull();
        Decode(layout, SensorFrame(2, 1, 1, 1)).Should().BeNull();
        Decode(layout, SensorFrame(1, 1, double.NaN, 1)).Should().BeNull();
    }

    [Fact]
    public void LittleEndianAndStringsAndSmallTypes_RoundTrip()
    {
        var layout = FrameLayout.Parse("kind:i8=-3, id:u32le, temp:f32, name:utf8[8], count:i16be, big:u64", bigEndianByDefault: false);
        var json = """{"kind":-3,"id":4000000000,"temp":0.1,"name":"caf\u00e9","count":-2,"big":18446744073709551615}""";

        var frame = Encode(layout, json);

        frame.Should().NotBeNull();
        layout.Size.Should().Be(1 + 4 + 4 + 8 + 2 + 8);
        frame![0].Should().Be(0xFD);
        BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(1)).Should().Be(4_000_000_000);
        BinaryPrimitives.ReadSingleLittleEndian(frame.AsSpan(5)).Should().Be(0.1f);
        frame.AsSpan(9, 8).ToArray().Should().Equal([.. "café"u8.ToArray(), 0, 0, 0]);
        BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(17)).Should().Be(-2);
        Decode(layout, frame).Should().Be("""{"kind":-3,"id":4000000000,"temp":0.1,"name":"caf\u00E9","count":-2,"big":18446744073709551615}""");
    }

    [Fact]
    public void Encode_StringLongerThanItsField_Malformed()
        => Encode(FrameLayout.Parse("name:utf8[3]", true), """{"name":"four"}""").Should().BeNull();

    [Theory]
    [InlineData("", "declares no field")]
    [InlineData("a", "must be name:type")]
    [InlineData("a:u17", "unknown type 'u17'")]
    [InlineData("a:u8, a:u16", "repeats the name 'a'")]
    [InlineData("a:u8=256", "not a valid u8 integer")]
    [InlineData("a:f64=1", "not a valid f64 integer")]
    [InlineData("a:utf8[0]", "unknown type")]
    public void Parse_Invalid_NamesTheField(string layout, string problem)
        => FluentActions.Invoking(() => FrameLayout.Parse(layout, true)).Should().Throw<FormatException>().WithMessage($"*{problem}*");
}
