namespace Venue.Domain.Readers;

/// <summary>
/// One tag read as a UHF reader reported it (Zebra IoT Connector or Impinj IoT device interface,
/// see docs/reader-payloads.md). (<see cref="ReaderId"/>, <see cref="EventNum"/>, <see cref="ReadAt"/>)
/// identifies it: a broker redelivery or a reader's replay of the same event is the same read, and a
/// rebooted reader counting from 1 again makes new ones. <see cref="PeakRssi"/>
/// is in dBm. <see cref="ReadAt"/> is the reader's clock; late, out-of-order reads are normal.
/// </summary>
public sealed record TagRead(string ReaderId, long EventNum, string Epc, int Antenna, double PeakRssi, DateTimeOffset ReadAt);
