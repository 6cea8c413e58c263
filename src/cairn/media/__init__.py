"""Media inspectors (image, video, DICOM, audio, text, PDF) and processors."""
