import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  AUDIO_INPUT,
  contentModalities,
  FILE_INPUT,
  firstModality,
  IMAGE_INPUT,
  locatePart,
  modalityNames,
  takesInput,
} from './input-modalities.ts'

describe('input modalities', () => {
  test('string contents and text parts are text only; anything else is read from part types', () => {
    assert.equal(contentModalities([{ role: 'user', content: 'hi' }]), 0)
    assert.equal(contentModalities(undefined), 0)
    assert.equal(contentModalities([{ role: 'user', content: [{ type: 'text', text: 'x' }] }, null]), 0)
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'mp3' } }] },
      {
        role: 'user',
        content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x' } }],
      },
    ]
    assert.equal(contentModalities(messages), IMAGE_INPUT | FILE_INPUT | AUDIO_INPUT)
    assert.deepEqual(locatePart(messages, FILE_INPUT), { param: 'messages[3].content[0]', detail: 'PDF' })
    assert.deepEqual(locatePart(messages, AUDIO_INPUT), { param: 'messages[2].content[0]', detail: 'mp3' })
    assert.deepEqual(locatePart(messages, IMAGE_INPUT), {
      param: 'messages[1].content[0]',
      detail: undefined,
    })
  })

  test('an input list takes every needed modality or not; names read as the catalog writes them', () => {
    assert.equal(takesInput(['text', 'image'], IMAGE_INPUT), true)
    assert.equal(takesInput(['text', 'image'], IMAGE_INPUT | FILE_INPUT), false)
    assert.equal(takesInput(['text'], 0), true)
    assert.equal(modalityNames(FILE_INPUT), 'file')
    assert.equal(modalityNames(IMAGE_INPUT | FILE_INPUT | AUDIO_INPUT), 'image, file and audio')
    assert.equal(firstModality(FILE_INPUT | AUDIO_INPUT), FILE_INPUT)
  })
})
