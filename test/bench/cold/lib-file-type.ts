/** Cold start of file-type alone (the events function's type detection): load + one detection. */
import { fileTypeFromBuffer } from 'file-type/core';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export const handler = async () => ({ statusCode: (await fileTypeFromBuffer(PNG))?.mime === 'image/png' ? 200 : 500 });
